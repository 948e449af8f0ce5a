package scs_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/internal/gobwire"
	"github.com/seed3bbca6c1/scs/memstore"
)

// boundBag is a custom value type registered with gob, whose counts a
// crafted payload can lie about.
type boundBag struct {
	Items []string
	Sizes map[string]int
}

func init() { gob.Register(boundBag{}) }

// boundSession is the struct SCS v2 encodes, with a field more.
type boundSession struct {
	Deadline time.Time
	Values   map[string]interface{}
	Extra    int
}

// boundGob encodes v with encoding/gob.
func boundGob(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// boundUint appends x in gob's unsigned integer encoding.
func boundUint(b []byte, x uint64) []byte {
	if x < 0x80 {
		return append(b, byte(x))
	}
	var be []byte
	for ; x > 0; x >>= 8 {
		be = append([]byte{byte(x)}, be...)
	}
	return append(append(b, byte(-len(be))), be...)
}

// boundPatch replaces the first old in the gob stream b with new, in the
// message that holds it, and fixes that message's length.
func boundPatch(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	var out []byte
	done := false
	for len(b) > 0 {
		n, w := int(b[0]), 1
		if b[0] >= 0x80 {
			w = 1 + int(-int8(b[0]))
			n = 0
			for _, c := range b[1:w] {
				n = n<<8 | int(c)
			}
		}
		body := b[w : w+n]
		if i := bytes.Index(body, []byte(old)); i >= 0 && !done {
			body = append(append(append([]byte(nil), body[:i]...), new...), body[i+len(old):]...)
			done = true
		}
		out = append(boundUint(out, uint64(len(body))), body...)
		b = b[w+n:]
	}
	if !done {
		t.Fatalf("%q not found", old)
	}
	return out
}

// boundNested returns map[string]interface{} values nested depth deep, the
// innermost holding inner.
func boundNested(depth int, inner map[string]any) map[string]any {
	m := inner
	for range depth - 1 {
		m = map[string]any{"n": m}
	}
	return m
}

// boundPayloads returns stored payloads that the fast path leaves to
// encoding/gob and whose counts claim far more than their bytes hold.
func boundPayloads(t *testing.T) map[string][]byte {
	t.Helper()
	count := func(n uint64) string { return string(boundUint(nil, n)) }
	extra := boundGob(t, &boundSession{Values: map[string]any{"zz": "v"}, Extra: 1})
	deep := boundGob(t, &boundSession{Values: boundNested(34, map[string]any{"zz": "v"})})
	bag := boundGob(t, &boundSession{Values: map[string]any{"b": boundBag{Items: []string{"zz"}, Sizes: map[string]int{"yy": 1}}}})
	return map[string][]byte{
		"extra field, map count 2^24":   boundPatch(t, extra, "\x01\x02zz", count(1<<24)+"\x02zz"),
		"extra field, map count 2^28":   boundPatch(t, extra, "\x01\x02zz", count(1<<28)+"\x02zz"),
		"maps 34 deep, map count 2^24":  boundPatch(t, deep, "\x01\x02zz", count(1<<24)+"\x02zz"),
		"maps 1000 deep":                boundGob(t, &boundSession{Values: boundNested(1000, nil)}),
		"custom type, slice count 2^24": boundPatch(t, bag, "\x01\x02zz", count(1<<24)+"\x02zz"),
		"custom type, map count 2^28":   boundPatch(t, bag, "\x01\x02yy", count(1<<28)+"\x02yy"),
		"custom type, field count 2^24": boundPatch(t, bag, "\x01\x02\x01\x05Items", "\x01"+count(1<<24)+"\x01\x05Items"),
	}
}

// TestCraftedPayloadsLeftToGobAreBounded checks that payloads the fast path
// leaves to encoding/gob (an extra field in the session struct, maps nested
// deeper than the fast path goes, a custom type) are refused as undecodable
// when a count lies, through LoadAndSave: the request gets a fresh session,
// and the whole request allocates less than 32 MiB.
func TestCraftedPayloadsLeftToGobAreBounded(t *testing.T) {
	s := scs.New()
	s.Store = memstore.NewWithCleanupInterval(0)
	undecodable := 0
	s.OnEvent = func(_ context.Context, e scs.Event) {
		if e.Kind == scs.EventUndecodable {
			undecodable++
			if !errors.As(e.Err, new(*gobwire.MalformedError)) {
				t.Errorf("EventUndecodable with %v, want a *gobwire.MalformedError", e.Err)
			}
		}
	}
	srv := httptest.NewServer(s.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if keys := s.Keys(r.Context()); len(keys) > 0 {
			t.Errorf("session has keys %q", keys)
		}
		io.WriteString(w, "fresh")
	})))
	defer srv.Close()

	payloads := boundPayloads(t)
	for name, p := range payloads {
		if _, _, err := gobwire.DecodeChecked(p); err != gobwire.ErrUnhandled {
			t.Errorf("%s: the fast path returns %v, want ErrUnhandled", name, err)
		}
		var raw [32]byte
		rand.Read(raw[:])
		token := base64.RawURLEncoding.EncodeToString(raw[:])
		if err := s.Store.Commit(token, p, time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.AddCookie(&http.Cookie{Name: s.Cookie.Name, Value: token})

		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		runtime.ReadMemStats(&after)

		n := after.TotalAlloc - before.TotalAlloc
		t.Logf("%s: %d-byte payload, status %d, TotalAlloc %d bytes", name, len(p), resp.StatusCode, n)
		if resp.StatusCode != 200 || string(body) != "fresh" {
			t.Errorf("%s: status %d body %q, want 200 and a fresh session", name, resp.StatusCode, body)
		}
		if n >= 32<<20 {
			t.Errorf("%s: the request allocated %d bytes", name, n)
		}
	}
	if undecodable != len(payloads) {
		t.Errorf("%d EventUndecodable, want %d", undecodable, len(payloads))
	}
}

// TestPayloadsLeftToGobStillDecode checks that payloads the fast path leaves
// to encoding/gob decode when their counts are true.
func TestPayloadsLeftToGobStillDecode(t *testing.T) {
	bag := boundBag{Items: []string{"a", ""}, Sizes: map[string]int{"x": 3}}
	for name, v := range map[string]any{
		"extra field":  &boundSession{Values: map[string]any{"k": "v"}, Extra: 1},
		"maps 40 deep": &boundSession{Values: boundNested(40, map[string]any{"k": "v"})},
		"custom type":  &boundSession{Values: map[string]any{"b": bag, "m": map[string]any{"b": bag}}},
	} {
		p := boundGob(t, v)
		if _, vals, err := (scs.GobCodec{}).Decode(p); err != nil || len(vals) == 0 {
			t.Errorf("%s: Decode = %v, %v", name, vals, err)
		}
	}
}

// BenchmarkCodecCustomType decodes a payload with a custom type, which the
// fast path leaves to encoding/gob after Check.
func BenchmarkCodecCustomType(b *testing.B) {
	var buf bytes.Buffer
	values := map[string]any{"bag": boundBag{Items: []string{"a", "b"}, Sizes: map[string]int{"x": 1}}, "flash": "saved", "userID": 1234567}
	if err := gob.NewEncoder(&buf).Encode(&struct {
		Deadline time.Time
		Values   map[string]any
	}{time.Now(), values}); err != nil {
		b.Fatal(err)
	}
	p := buf.Bytes()
	b.ReportAllocs()
	for range b.N {
		if _, _, err := (scs.GobCodec{}).Decode(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p)), "payload-bytes")
}
