package gobwire

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzDecode checks Decode against encoding/gob on arbitrary input: when
// Decode accepts a payload, encoding/gob decodes it to the same deadline and
// values, and AppendEncode re-encodes them to a payload that encoding/gob
// decodes as it decodes its own re-encoding; when DecodeChecked calls a
// payload malformed, encoding/gob rejects it too (run only where the claimed
// count is small enough for encoding/gob to survive it). Decode and Check
// must never panic, and the whole decoding path, the fast path then Check
// then encoding/gob as scs's GobCodec runs it, must allocate at most
// allocBound(len(b)): 32 MiB for a payload of up to 4 KiB.
func FuzzDecode(f *testing.F) {
	for _, b := range validPayloads(f) {
		f.Add(b)
	}
	for _, b := range hostile(f) {
		f.Add(b)
	}
	f.Add(gobEncode(f, time.Time{}, map[string]any{"b": Box{V: Box{V: Bag{Items: []string{"x"}}}, L: []any{nil, 1}, M: map[string]any{"p": Profile{}}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkBound(t, b)
		checkMalformed(t, b)
		if !checkDecode(t, b) {
			return
		}
		dl, vals, _ := Decode(b)
		if !checkEncode(t, dl, vals) {
			// Every decoded value is of a handled type, but a decoded time
			// may have a zone offset that neither encoder can encode.
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&session{Deadline: dl, Values: vals}); err == nil {
				t.Fatalf("AppendEncode rejects decoded values that encoding/gob encodes: %s", describe(vals))
			}
		}
	})
}

// FuzzRoundTrip builds a deadline from sec, nsec and zone and session values
// from prog, and checks AppendEncode and Decode against encoding/gob in both
// directions.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range roundTripSeeds {
		f.Add(s.sec, s.nsec, s.zone, s.prog)
	}
	f.Fuzz(func(t *testing.T, sec, nsec int64, zone int32, prog []byte) {
		g := generator{b: prog}
		deadline := g.makeTime(sec, nsec, zone)
		values := g.mapAny(1)
		handled := isHandled(values, 1)

		var buf bytes.Buffer
		gerr := gob.NewEncoder(&buf).Encode(&session{Deadline: deadline, Values: values})
		if gerr == nil && 1+nesting(values) <= maxNesting {
			// Check accepts what encoding/gob writes, nested no deeper
			// than it allows.
			if err := Check(buf.Bytes()); err != nil {
				t.Fatalf("Check refuses encoding/gob's payload of %s: %v\n%q", describe(values), err, buf.Bytes())
			}
		}
		if gerr == nil && handled {
			// Decode reads encoding/gob's payload as encoding/gob does.
			if !checkDecode(t, buf.Bytes()) {
				t.Fatalf("Decode rejects encoding/gob's payload of handled values %s", describe(values))
			}
		}
		if !checkEncode(t, deadline, values) {
			if gerr == nil && handled {
				t.Fatalf("AppendEncode rejects handled values %s", describe(values))
			}
			return
		}
		if !handled {
			t.Fatalf("AppendEncode handles values it should leave to encoding/gob: %s", describe(values))
		}
	})
}

// nesting returns how deeply Check sees v nested, as the elements of a map
// of interface values.
func nesting(m map[string]any) int {
	n := 0
	for _, v := range m {
		n = max(n, 1+inIface(v))
	}
	return 1 + n
}

// inIface returns how deeply Check sees v nested below the interface value
// that holds it.
func inIface(v any) int {
	switch x := v.(type) {
	case map[string]any:
		return nesting(x)
	case Box:
		n := 1 + inIface(x.V)
		if len(x.L) == 2 {
			n = max(n, nesting(map[string]any{"": x.L[0], "1": x.L[1]}))
		}
		return max(n, nesting(x.M))
	case []Box:
		n := 0
		for _, b := range x {
			n = max(n, inIface(b))
		}
		return 2 + n // the slice, and each element's struct
	case []string, []int, map[string]string, time.Time:
		return 1
	}
	return 0
}

// generator builds session values from fuzz input.
type generator struct {
	b []byte
}

// isHandled reports whether AppendEncode should handle v, a map depth levels
// deep, provided encoding/gob can encode it.
func isHandled(v any, depth int) bool {
	switch x := v.(type) {
	case nil, string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		float32, float64, []byte, time.Time, []string, map[string]string:
		return true
	case map[string]any:
		if depth > maxDepth {
			return false
		}
		for _, v := range x {
			if !isHandled(v, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

func (g *generator) byte() byte {
	if len(g.b) == 0 {
		return 0
	}
	c := g.b[0]
	g.b = g.b[1:]
	return c
}

func (g *generator) uint64() uint64 {
	var x uint64
	n := int(g.byte() % 9)
	for range n {
		x = x<<8 | uint64(g.byte())
	}
	if n > 0 && g.byte()&1 == 1 {
		x = ^x
	}
	return x
}

func (g *generator) bytes() []byte {
	n := int(g.byte())
	switch {
	case n == 255:
		return nil
	case n >= 200:
		return bytes.Repeat([]byte{g.byte()}, 100*(n-199))
	}
	n = min(n%40, len(g.b))
	b := bytes.Clone(g.b[:n])
	g.b = g.b[n:]
	return b
}

func (g *generator) string() string { return string(g.bytes()) }

// makeTime makes a time with an offset from zone: 0 for UTC, 1 for Local,
// others a fixed zone of zone-2 seconds (some not encodable).
func (g *generator) makeTime(sec, nsec int64, zone int32) time.Time {
	if sec == 0 && nsec == 0 && zone == 0 {
		return time.Time{}
	}
	t := time.Unix(sec, nsec)
	switch zone {
	case 0:
		return t.UTC()
	case 1:
		return t.Local()
	}
	return t.In(time.FixedZone("Z", int(zone-2)))
}

func (g *generator) mapAny(depth int) map[string]any {
	n := int(g.byte() % 7)
	if n == 6 {
		return nil
	}
	m := make(map[string]any, n)
	for range n {
		k := g.string()
		m[k] = g.value(depth)
	}
	return m
}

func (g *generator) value(depth int) any {
	switch g.byte() % 26 {
	case 0:
		return nil
	case 1:
		return g.string()
	case 2:
		return g.byte()&1 == 1
	case 3:
		return int(g.uint64())
	case 4:
		return int8(g.uint64())
	case 5:
		return int16(g.uint64())
	case 6:
		return int32(g.uint64())
	case 7:
		return int64(g.uint64())
	case 8:
		return uint(g.uint64())
	case 9:
		return uint8(g.uint64())
	case 10:
		return uint16(g.uint64())
	case 11:
		return uint32(g.uint64())
	case 12:
		return g.uint64()
	case 13:
		return math.Float32frombits(uint32(g.uint64()))
	case 14:
		return math.Float64frombits(g.uint64())
	case 15:
		return g.bytes()
	case 16:
		return g.makeTime(int64(g.uint64()), int64(g.uint64()), int32(g.uint64()))
	case 17:
		if g.byte()&1 == 1 {
			return []string(nil)
		}
		s := make([]string, g.byte()%5)
		for i := range s {
			s[i] = g.string()
		}
		return s
	case 18:
		if g.byte()&1 == 1 {
			return map[string]string(nil)
		}
		m := map[string]string{}
		for n := g.byte() % 5; n > 0; n-- {
			m[g.string()] = g.string()
		}
		return m
	case 19, 20:
		return g.mapAny(depth + 1)
	case 21:
		return Profile{Name: g.string(), Age: int(g.uint64())}
	case 22:
		return []int{int(g.uint64())}
	case 23:
		return Box{V: g.value(depth + 1), L: []any{g.value(depth + 1), nil}, M: g.mapAny(depth + 1)}
	case 24:
		return []Box{{V: g.value(depth + 1)}, {L: []any{nil, g.value(depth + 1)}, M: g.mapAny(depth + 1)}}
	default:
		return complex(float64(g.byte()), 1)
	}
}

type roundTripSeed struct {
	sec, nsec int64
	zone      int32
	prog      []byte
}

var roundTripSeeds = []roundTripSeed{
	{0, 0, 0, nil},
	{1893456000, 5, 0, []byte{6}},
	{1893456000, 0, 1, []byte{0}},
	{-62135596800, 0, 2 + 3600, []byte{1, 1, 'k', 1, 2, 'v', 'w'}},
	{253402300799, 999999999, 2 + 3600 + 17, []byte{5, 0, 1, 2, 1, 'a', 3, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 1, 'b', 14, 3, 0x40, 0x09, 0x21, 0}},
	{1, 1, 2 - 60, []byte{1, 0, 0}},
	{0, 0, 0, []byte{5, 1, 's', 17, 0, 3, 1, 'x', 0, 255, 1, 'm', 18, 0, 2, 1, 'a', 1, 'b', 0, 0, 1, 't', 16, 4, 1, 2, 3, 4, 0, 2, 0x10, 0x20, 0, 2, 0x0e, 0x10, 0, 1, 'n', 19, 2, 1, 'd', 19, 1, 1, 'e', 17, 0, 1, 1, 'z', 0, 0, 1, 'p', 21, 2, 'j', 'o', 1, 30}},
	{0, 0, 0, []byte{3, 1, 'a', 15, 64, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 1, 'b', 15, 210, 7, 1, 'c', 9, 1, 200}},
	{0, 0, 0, []byte{2, 1, 'x', 13, 4, 0x7f, 0xc0, 0, 1, 1, 'y', 14, 8, 0x7f, 0xf8, 0, 0, 0, 0, 0, 1}},
	{0, 0, 0, []byte{1, 0, 22, 1, 5}},
}

// TestWriteFuzzSeeds writes the seed corpus in testdata/fuzz, which plain
// go test runs. Run it with GOBWIRE_WRITE_SEEDS=1 after changing the seeds.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("GOBWIRE_WRITE_SEEDS") == "" {
		t.Skip("set GOBWIRE_WRITE_SEEDS=1 to write testdata/fuzz")
	}
	write := func(fuzzer, name, content string) {
		dir := filepath.Join("testdata", "fuzz", fuzzer)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n"+content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// encoding/gob payloads of every handled type, one by one and together,
	// and of a custom type.
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, name := range sortedKeys(handledValues) {
		if name == "string 70000" {
			continue // keep the corpus small
		}
		b := gobEncode(t, deadline, map[string]any{"k": handledValues[name]})
		write("FuzzDecode", "gob-"+safeName(name), fmt.Sprintf("[]byte(%q)\n", b))
	}
	for i, v := range []map[string]any{nil, {}, sample(), {"m": sample()}, {"p": Profile{"x", 1}}} {
		b := gobEncode(t, time.Time{}, v)
		write("FuzzDecode", fmt.Sprintf("gob-payload-%d", i), fmt.Sprintf("[]byte(%q)\n", b))
	}
	for i, s := range roundTripSeeds {
		write("FuzzRoundTrip", fmt.Sprintf("seed-%d", i),
			fmt.Sprintf("int64(%d)\nint64(%d)\nint32(%d)\n[]byte(%q)\n", s.sec, s.nsec, s.zone, s.prog))
	}
}

func safeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			b[i] = '-'
		}
	}
	return string(b)
}
