package gobwire

import (
	"bytes"
	"encoding/gob"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Box is a registered custom type with interface fields, whose values
// encoding/gob may decode or skip depending on the receiving struct.
type Box struct {
	V any
	L []any
	M map[string]any
}

// Bag is a registered custom type with counted fields.
type Bag struct {
	Items []string
	Sizes map[string]int
	Tags  [2]string
}

// Extra is Box with a field the receiving Box lacks, for streams in which
// encoding/gob skips a field.
type Extra struct {
	V     any
	Other []any
}

// zeroKey is a struct whose zero value takes a byte on the wire, or none at
// the end of a message.
type zeroKey struct{ A int }

// zeroMap is a map whose entries take two bytes, or none.
type zeroMap map[zeroKey]zeroKey

func init() {
	gob.Register(Box{})
	gob.Register([]Box(nil))
	gob.Register(map[string]Box(nil))
	gob.Register(Extra{})
	gob.Register([]Extra(nil))
	gob.Register([20]Box{})
	gob.Register([20]Extra{})
	gob.Register(zeroMap{})
	gob.Register(Bag{})
	gob.Register([]any(nil))
	gob.Register(complex64(0))
}

// fullDecode decodes b as scs's GobCodec does: the fast path, then Check,
// then encoding/gob.
func fullDecode(b []byte) (time.Time, map[string]any, error) {
	dl, vals, err := DecodeChecked(b)
	if err == nil {
		return dl, vals, nil
	}
	if err == ErrUnhandled {
		err = Check(b)
	}
	if err != nil {
		return time.Time{}, nil, err
	}
	return gobDecode(b)
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// checkBound checks that decoding b as scs's GobCodec does allocates at
// most allocBound(len(b)).
func checkBound(t testing.TB, b []byte) {
	t.Helper()
	var err error
	if n := allocated(func() { _, _, err = fullDecode(b) }); n > allocBound(len(b)) {
		t.Fatalf("decoding %d bytes allocates %d bytes (err %v): %q", len(b), n, err, b)
	}
}

// allocBound is what decoding a payload of n bytes may allocate: 32 MiB up
// to 4 KiB, and in proportion beyond.
func allocBound(n int) uint64 { return max(32<<20, uint64(n)*(32<<20)/(4<<10)) }

// nested returns map[string]any values nested depth levels deep, the
// innermost holding inner.
func nested(depth int, inner map[string]any) map[string]any {
	m := inner
	for range depth - 1 {
		m = map[string]any{"n": m}
	}
	return m
}

// TestCheckAcceptsEncodingGob checks that Check accepts what encoding/gob
// writes, including the streams the fast path leaves to it.
func TestCheckAcceptsEncodingGob(t *testing.T) {
	type extra struct {
		Deadline time.Time
		Values   map[string]interface{}
		Extra    []map[string]any
	}
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	values := map[string]map[string]any{
		"sample":        sample(),
		"profile":       {"p": Profile{"ada", 36}, "q": &Profile{}},
		"bag":           {"b": Bag{Items: []string{"a", ""}, Sizes: map[string]int{"x": 1}, Tags: [2]string{"t"}}},
		"box nils":      {"b": Box{L: []any{nil, 1, nil}, M: map[string]any{"n": nil, "s": "x"}}},
		"box nested":    {"b": Box{V: Box{V: Box{V: Profile{"x", 1}, L: []any{Bag{}}}}}},
		"box in box":    {"a": Box{V: Box{V: Bag{Items: []string{"i"}}, L: []any{nil}}}, "c": Box{V: Profile{}}},
		"box map":       {"b": Box{M: map[string]any{"m": map[string]any{"b": Box{V: 1.5}}}}},
		"slices":        {"a": []any{nil, []any{"x", Box{}}, complex64(1)}, "i": []int{1, 2}, "c": complex(1, 2)},
		"nested 40":     nested(40, map[string]any{"p": Profile{}}),
		"nested 45 box": nested(45, map[string]any{"b": Box{V: nested(3, nil)}}),
		"boxes":         {"s": []Box{{L: []any{nil, 1}}, {V: Box{V: 2}, M: map[string]any{"n": nil}}}, "m": map[string]Box{"a": {L: []any{nil}}}},
		"boxes nested":  {"s": []Box{{V: []Box{{V: Box{V: Profile{}}, L: []any{Bag{}, nil}}}}}},
		"empty":         {},
		"nil":           nil,
	}
	for name, v := range values {
		b := gobEncode(t, deadline, v)
		if err := Check(b); err != nil {
			t.Errorf("%s: Check = %v for %q", name, err, b)
		}
		if _, _, err := fullDecode(b); err != nil {
			t.Errorf("%s: decode: %v", name, err)
		}
	}
	for name, v := range map[string]any{
		"extra fields": &extra{Deadline: deadline, Values: sample(), Extra: []map[string]any{{"b": Box{V: 1, L: []any{nil}}}}},
		"only values":  &struct{ Values map[string]any }{map[string]any{"b": Box{V: Box{}}}},
	} {
		b := gobEncodeAs(t, v)
		if err := Check(b); err != nil {
			t.Errorf("%s: Check = %v for %q", name, err, b)
		}
	}
}

// TestCheckSkippedFields checks a stream in which encoding/gob skips a
// field of a custom struct: Check follows both ways, which agree.
func TestCheckSkippedFields(t *testing.T) {
	b := gobEncode(t, time.Time{}, map[string]any{"x": Extra{V: 1, Other: []any{"a", 2, nil}}})
	// Rename the type so that it decodes as Box, which lacks Other.
	const pkg = "github.com/seed3bbca6c1/scs/internal/gobwire."
	b = patch(t, b, []byte("\x32"+pkg+"Extra"), []byte("\x30"+pkg+"Box"))
	if err := Check(b); err != nil {
		t.Fatalf("Check = %v for %q", err, b)
	}
	_, vals, err := gobDecode(b)
	if err != nil || vals["x"].(Box).V != 1 {
		t.Fatalf("encoding/gob = %v, %v", vals, err)
	}

	// The same in a slice, whose element type Check does not learn: it
	// walks the field both ways.
	b = gobEncode(t, time.Time{}, map[string]any{"x": []Extra{{V: 1, Other: []any{"a", 2, nil}}, {Other: []any{nil}}}})
	b = patch(t, b, []byte("\x0f[]gobwire.Extra"), []byte("\x0d[]gobwire.Box"))
	if err := Check(b); err != nil {
		t.Fatalf("Check = %v for %q", err, b)
	}
	if _, vals, err := gobDecode(b); err != nil || vals["x"].([]Box)[0].V != 1 {
		t.Fatalf("encoding/gob = %v, %v", vals, err)
	}

	// And in an array too long for Check to learn its type from: each
	// field is a choice, walked both ways.
	var a [20]Extra
	a[0], a[19] = Extra{V: 1, Other: []any{"a", 2}}, Extra{Other: []any{Box{V: 4}}}
	b = gobEncode(t, time.Time{}, map[string]any{"x": a, "y": [20]Box{{V: 3, L: []any{nil}}}})
	b = patch(t, b, []byte("\x11[20]gobwire.Extra"), []byte("\x0f[20]gobwire.Box"))
	if err := Check(b); err != nil {
		t.Fatalf("Check = %v for %q", err, b)
	}
	if _, vals, err := gobDecode(b); err != nil || vals["x"].([20]Box)[0].V != 1 {
		t.Fatalf("encoding/gob = %v, %v", vals, err)
	}
}

// patch replaces the first old in the stream b's message that holds it
// with new, and fixes that message's length.
func patch(t testing.TB, b, old, new []byte) []byte {
	t.Helper()
	var out []byte
	done := false
	for pos := 0; pos < len(b); {
		d := decoder{b: b, pos: pos, end: len(b)}
		n, ok := d.uint()
		if !ok || int(n) > len(b)-d.pos {
			t.Fatalf("bad stream %q", b)
		}
		body := b[d.pos : d.pos+int(n)]
		if i := bytes.Index(body, old); i >= 0 && !done {
			body = bytes.Join([][]byte{body[:i], new, body[i+len(old):]}, nil)
			done = true
		}
		out = appendUint(out, uint64(len(body)))
		out = append(out, body...)
		pos = d.pos + int(n)
	}
	if !done {
		t.Fatalf("%q not in %q", old, b)
	}
	return out
}

// hostile returns payloads that the fast path leaves to encoding/gob and
// that claim counts their bytes cannot hold.
func hostile(t testing.TB) map[string][]byte {
	t.Helper()
	type extra struct {
		Deadline time.Time
		Values   map[string]interface{}
		Extra    int
	}
	count := func(n uint64) []byte { return appendUint(nil, n) }
	withExtra := gobEncodeAs(t, &extra{Values: map[string]any{"zz": "v"}, Extra: 1})
	deep := gobEncode(t, time.Time{}, nested(34, map[string]any{"zz": "v"}))
	bag := gobEncode(t, time.Time{}, map[string]any{"b": Bag{Items: []string{"zz"}, Sizes: map[string]int{"yy": 1}}})
	box := gobEncode(t, time.Time{}, map[string]any{"b": Box{L: []any{"zz"}}})
	p := map[string][]byte{
		"extra field, map count 2^24": patch(t, withExtra, []byte("\x01\x02zz"), append(count(1<<24), "\x02zz"...)),
		"extra field, map count 2^28": patch(t, withExtra, []byte("\x01\x02zz"), append(count(1<<28), "\x02zz"...)),
		"34 deep, map count 2^24":     patch(t, deep, []byte("\x01\x02zz"), append(count(1<<24), "\x02zz"...)),
		"custom slice count 2^24":     patch(t, bag, []byte("\x01\x02zz"), append(count(1<<24), "\x02zz"...)),
		"custom map count 2^24":       patch(t, bag, []byte("\x01\x02yy"), append(count(1<<24), "\x02yy"...)),
		"interface slice count 2^24":  patch(t, box, []byte("\x01\x06string"), append(count(1<<24), "\x06string"...)),
		"deep 1000":                   gobEncode(t, time.Time{}, nested(1000, nil)),
	}
	// A type definition claiming 2^24 struct fields: Bag's definition
	// lists three.
	p["struct field count 2^24"] = patch(t, bag, []byte("\x01\x03\x01\x05Items"), append([]byte{1}, append(count(1<<24), "\x01\x05Items"...)...))
	// A message length claiming 9 MB: the last message's.
	i := bytes.LastIndex(bag, []byte("\xff")) // inside the value message
	for j := i; j >= 0; j-- {
		if d := (decoder{b: bag, pos: j, end: len(bag)}); true {
			if n, ok := d.uint(); ok && int(n) == len(bag)-d.pos {
				p["message length 9 MB"] = append(append(bytes.Clone(bag[:j]), count(9<<20)...), bag[d.pos:]...)
				break
			}
		}
	}
	return p
}

// TestCheckRefusesHostileCounts checks that the payloads of hostile are
// refused as malformed, without encoding/gob's allocations.
func TestCheckRefusesHostileCounts(t *testing.T) {
	p := hostile(t)
	if len(p) != 9 {
		t.Fatalf("%d hostile payloads", len(p))
	}
	for name, b := range p {
		if _, _, err := DecodeChecked(b); err != ErrUnhandled {
			t.Errorf("%s: DecodeChecked = %v, want ErrUnhandled", name, err)
		}
		var err error
		n := allocated(func() { _, _, err = fullDecode(b) })
		var m *MalformedError
		if !errors.As(err, &m) {
			t.Errorf("%s: err = %v, want a *MalformedError", name, err)
		}
		if n > 1<<20 {
			t.Errorf("%s: %d bytes allocated for a %d-byte payload", name, n, len(b))
		}
		t.Logf("%s: %d bytes, %v, %d bytes allocated", name, len(b), err, n)
	}
}

// TestCheckBoundsZeroSizeElements checks payloads whose elements take
// little or nothing on the wire: the elements in all may not exceed the
// payload's bytes.
func TestCheckBoundsZeroSizeElements(t *testing.T) {
	b := gobEncode(t, time.Time{}, map[string]any{"a": []any{nil, nil, nil}, "m": nested(2, map[string]any{"x": nil})})
	if err := Check(b); err != nil {
		t.Fatal(err)
	}
	// An entry of a map of structs takes two zero bytes, or nothing at the
	// end of a message: encoding/gob accepts a map of them that claims more
	// entries than there are bytes, and makes a map of that size.
	b = gobEncode(t, time.Time{}, map[string]any{"z": zeroMap{{}: {}}})
	b = patch(t, b, []byte("\x01\x00\x00\x00"), appendUint(nil, 1<<20))
	var err error
	n := allocated(func() { _, _, err = fullDecode(b) })
	if err == nil || n > 1<<20 {
		t.Fatalf("err = %v, %d bytes allocated", err, n)
	}
}

func concreteTypeOK(name string) bool {
	_, ok := concreteType([]byte(name))
	return ok
}

func TestConcreteType(t *testing.T) {
	for name, want := range map[string]bool{
		"string": true, "map[string]interface {}": true, "github.com/seed3bbca6c1/scs/internal/gobwire.Box": true,
		"": false, "github.com/seed3bbca6c1/scs/internal/gobwire.Nope": false, "gobwire.Box": false,
	} {
		for range 2 {
			if got := concreteTypeOK(name); got != want {
				t.Errorf("concreteType(%q) = %v", name, got)
			}
		}
	}
}

func TestConcreteTypeOfStructs(t *testing.T) {
	if err := Check(gobEncode(t, time.Time{}, map[string]any{"s": "x", "b": []Box{{}}, "m": map[string]any{}})); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]reflect.Type{
		"github.com/seed3bbca6c1/scs/internal/gobwire.Box":     reflect.TypeFor[Box](),
		"github.com/seed3bbca6c1/scs/internal/gobwire.Profile": reflect.TypeFor[Profile](),
		"map[string]interface {}":                              reflect.TypeFor[map[string]any](),
		"[]gobwire.Box":                                        reflect.TypeFor[[]Box](),
		"time.Time":                                            nil,
		"string":                                               reflect.TypeFor[string](),
	} {
		// Other than structs, a type is learnt from a payload that holds
		// one (by walker.learn), and nil until then.
		if got, ok := concreteType([]byte(name)); !ok || got != want && got != nil {
			t.Errorf("concreteType(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
}

// TestCheckNesting checks the nesting limit on values and on types.
func TestCheckNesting(t *testing.T) {
	ok := gobEncode(t, time.Time{}, nested(maxNesting/2-1, map[string]any{"p": Profile{}}))
	if err := Check(ok); err != nil {
		t.Fatalf("%d levels: %v", maxNesting/2-1, err)
	}
	deep := gobEncode(t, time.Time{}, nested(maxNesting/2+1, map[string]any{"p": Profile{}}))
	if err := Check(deep); err == nil || !strings.Contains(err.Error(), "nested too deeply") {
		t.Fatalf("%d levels: %v", maxNesting/2+1, err)
	}
	if _, _, err := fullDecode(deep); err == nil {
		t.Fatal("fullDecode decodes it")
	}
}

func BenchmarkCheck(b *testing.B) {
	p := gobEncodeB(b, map[string]any{"p": Profile{"ada", 36}, "b": Box{V: 1, L: []any{"x", nil}}, "flash": "saved"})
	b.ReportAllocs()
	for range b.N {
		if err := Check(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p)), "payload-bytes")
}

func gobEncodeB(b *testing.B, v map[string]any) []byte {
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&session{Values: v}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}
