package gobwire

import (
	"bytes"
	"encoding/gob"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"testing"
	"time"
)

// Profile is a registered custom type: the fast path leaves it to
// encoding/gob.
type Profile struct {
	Name string
	Age  int
}

// The registrations package scs makes, plus a custom type; or, in the child
// process of TestOtherRegistrationsGoToGob, other ones.
func init() {
	if os.Getenv(otherNamesEnv) != "" {
		gob.RegisterName("T", time.Time{})
		gob.RegisterName("M", map[string]string{})
		gob.RegisterName("A", &map[string]interface{}{})
		return
	}
	gob.Register(time.Time{})
	gob.Register(map[string]interface{}{})
	gob.Register(map[string]string{})
	gob.Register(Profile{})
}

func TestMain(m *testing.M) {
	if c := os.Getenv(freshEnv); c != "" {
		os.Exit(runFreshCase(c)) // see TestEncodeMatchesFreshGobBytes
	}
	if os.Getenv(shiftedEnv) != "" {
		os.Exit(runShifted()) // see TestDecodeOtherProcesses
	}
	if os.Getenv(otherNamesEnv) != "" {
		os.Exit(runOtherNames()) // see TestOtherRegistrationsGoToGob
	}
	os.Exit(m.Run())
}

// session is the struct SCS v2's GobCodec encodes.
type session = struct {
	Deadline time.Time
	Values   map[string]interface{}
}

// gobEncode encodes as SCS v2's GobCodec does.
func gobEncode(tb testing.TB, deadline time.Time, values map[string]any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	aux := &session{Deadline: deadline, Values: values}
	if err := gob.NewEncoder(&buf).Encode(&aux); err != nil {
		tb.Fatalf("gob encode: %v", err)
	}
	return buf.Bytes()
}

// gobDecode decodes as SCS v2's GobCodec does.
func gobDecode(b []byte) (time.Time, map[string]any, error) {
	aux := &session{}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&aux); err != nil {
		return time.Time{}, nil, err
	}
	return aux.Deadline, aux.Values, nil
}

// equal reports whether a and b are deeply equal, comparing floats by their
// bits so that NaNs compare equal to themselves, and times (including their
// locations) as reflect.DeepEqual does.
func equal(a, b any) bool {
	switch x := a.(type) {
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || (x == nil) != (y == nil) || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// describe prints v with its types, for failure messages.
func describe(v any) string {
	switch x := v.(type) {
	case map[string]any:
		if x == nil {
			return "map[string]any(nil)"
		}
		s := "map[string]any{"
		for k, v := range x {
			s += fmt.Sprintf("%q: %s, ", k, describe(v))
		}
		return s + "}"
	case time.Time:
		return fmt.Sprintf("time.Time(%s loc=%p %v)", x.Format(time.RFC3339Nano), x.Location(), x.Location())
	}
	return fmt.Sprintf("%T(%#v)", v, v)
}

// checkDecode checks that Decode, if it accepts b, decodes what
// encoding/gob decodes, and returns whether it accepted.
func checkDecode(t testing.TB, b []byte) bool {
	t.Helper()
	dl, vals, ok := Decode(b)
	if !ok {
		if dl != (time.Time{}) || vals != nil {
			t.Fatalf("Decode failed with non-zero results")
		}
		return false
	}
	gdl, gvals, err := gobDecode(b)
	if err != nil {
		t.Fatalf("Decode accepted %q, which encoding/gob rejects: %v", b, err)
	}
	if !reflect.DeepEqual(dl, gdl) {
		t.Fatalf("Decode deadline = %s, encoding/gob's = %s, input %q", describe(dl), describe(gdl), b)
	}
	if !equal(vals, gvals) {
		t.Fatalf("Decode values = %s\nencoding/gob's = %s\ninput %q", describe(vals), describe(gvals), b)
	}
	return true
}

// maxGobClaim is the largest count checkMalformed lets encoding/gob
// allocate for.
const maxGobClaim = 1 << 16

// checkMalformed checks that DecodeChecked agrees with Decode, and that a
// payload it calls malformed is one encoding/gob rejects too, where the
// claimed count is small enough to hand to encoding/gob.
func checkMalformed(t testing.TB, b []byte) {
	t.Helper()
	_, _, ok := Decode(b)
	_, _, err := DecodeChecked(b)
	if ok != (err == nil) {
		t.Fatalf("Decode ok=%v but DecodeChecked err=%v, input %q", ok, err, b)
	}
	var m *MalformedError
	if !errors.As(err, &m) || m.Claim > maxGobClaim {
		return
	}
	if _, _, gerr := gobDecode(b); gerr == nil {
		t.Fatalf("DecodeChecked calls %q malformed (%v), but encoding/gob decodes it", b, err)
	}
}

// checkEncode checks that AppendEncode, if it handles the input, writes a
// payload that encoding/gob and Decode decode to what encoding/gob's own
// encoding decodes to, and returns whether it handled it.
func checkEncode(t testing.TB, deadline time.Time, values map[string]any) bool {
	t.Helper()
	prefix := []byte("prefix")
	out, ok := AppendEncode(prefix, deadline, values)
	if !bytes.Equal(out[:len(prefix)], prefix) {
		t.Fatalf("AppendEncode changed dst")
	}
	if !ok {
		if len(out) != len(prefix) {
			t.Fatalf("AppendEncode failed but extended dst")
		}
		return false
	}
	b := out[len(prefix):]
	var buf bytes.Buffer
	aux := &session{Deadline: deadline, Values: values}
	if err := gob.NewEncoder(&buf).Encode(&aux); err != nil {
		t.Fatalf("AppendEncode handled values that encoding/gob rejects (%v): %s", err, describe(values))
	}
	wantDl, want, err := gobDecode(buf.Bytes())
	if err != nil {
		t.Fatalf("encoding/gob cannot decode its own encoding: %v", err)
	}
	gotDl, got, err := gobDecode(b)
	if err != nil {
		t.Fatalf("encoding/gob cannot decode AppendEncode's output: %v\n%q", err, b)
	}
	if !reflect.DeepEqual(gotDl, wantDl) || !equal(got, want) {
		t.Fatalf("encoding/gob decodes AppendEncode's output to\n%s %s\nwant\n%s %s",
			describe(gotDl), describe(got), describe(wantDl), describe(want))
	}
	// Where map order cannot make the two differ, ours is no larger.
	if fixedOrder(values) && len(b) > buf.Len() {
		t.Fatalf("AppendEncode's payload has %d bytes, encoding/gob's %d", len(b), buf.Len())
	}
	// Decode reads both encodings.
	for _, p := range [][]byte{b, buf.Bytes()} {
		dl, vals, ok := Decode(p)
		if !ok {
			t.Fatalf("Decode rejects payload of handled values %s:\n%q", describe(values), p)
		}
		if !reflect.DeepEqual(dl, wantDl) || !equal(vals, want) {
			t.Fatalf("Decode = %s %s\nwant %s %s", describe(dl), describe(vals), describe(wantDl), describe(want))
		}
	}
	return true
}

// fixedOrder reports whether v holds no map with more than one entry, so that
// encoding/gob and AppendEncode write entries in the same order.
func fixedOrder(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if len(x) > 1 {
			return false
		}
		for _, v := range x {
			return fixedOrder(v)
		}
	case map[string]string:
		return len(x) <= 1
	}
	return true
}
