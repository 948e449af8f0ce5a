package gobwire

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// encodeStrings encodes n string values of the given length under keys
// k0, k1, ...
func encodeStrings(t *testing.T, n, length int) []byte {
	t.Helper()
	values := make(map[string]any, n)
	for i := range n {
		values["k"+strconv.Itoa(i)] = strings.Repeat(string(rune('a'+i%26)), length)
	}
	b, ok := AppendEncode(nil, time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), values)
	if !ok {
		t.Fatal("AppendEncode refused plain strings")
	}
	return b
}

// decodeAllocs is the number of allocations of one DecodeChecked of b.
func decodeAllocs(t *testing.T, b []byte) float64 {
	t.Helper()
	return testing.AllocsPerRun(20, func() {
		if _, _, err := DecodeChecked(b); err != nil {
			t.Fatal(err)
		}
	})
}

// TestStringsShareOneCopyOfSmallPayloads checks that the keys and string
// values of a small payload cost one allocation between them (each value
// still costs its interface box), while those of a payload over
// sharedStringMax are copied one by one, so that a string the application
// keeps does not keep a large payload alive.
func TestStringsShareOneCopyOfSmallPayloads(t *testing.T) {
	const n = 6
	one, six := decodeAllocs(t, encodeStrings(t, 1, 10)), decodeAllocs(t, encodeStrings(t, n, 10))
	if extra := six - one; extra > n-1 {
		t.Errorf("5 more string values (and keys) in a small payload cost %v more allocations, want at most %d (their boxes)", extra, n-1)
	}
	length := sharedStringMax / 4
	one, six = decodeAllocs(t, encodeStrings(t, 1, length)), decodeAllocs(t, encodeStrings(t, n, length))
	if extra := six - one; extra < 3*(n-1) {
		t.Errorf("5 more string values (and keys) in a large payload cost %v more allocations, want at least %d (boxes, keys, values)", extra, 3*(n-1))
	}

	// The shared copy is not the caller's buffer.
	b := encodeStrings(t, n, 10)
	_, values, err := DecodeChecked(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	for k, v := range values {
		if s := v.(string); len(s) != 10 || strings.Count(s, s[:1]) != 10 || k[0] != 'k' {
			t.Fatalf("a value changed with the payload buffer: %q = %q", k, s)
		}
	}
}
