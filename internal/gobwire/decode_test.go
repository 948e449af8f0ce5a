package gobwire

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// gobEncodeAs encodes with encoding/gob from a struct of another type,
// converted from the session struct's fields by name.
func gobEncodeAs(tb testing.TB, v any) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(v); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// sample is a payload of handled values that needs every kind of type
// definition.
func sample() map[string]any {
	return map[string]any{
		"s": "x", "i": -7, "u8": uint8(200), "f": 1.25, "b": true, "bs": []byte{1, 2},
		"t": time.Date(2020, 5, 6, 7, 8, 9, 10, time.FixedZone("", 3600)), "n": nil,
		"ss": []string{"a", "b"}, "ms": map[string]string{"k": "v"},
		"m": map[string]any{"ss": []string{"c"}, "m": map[string]any{"ms": map[string]string{}}},
	}
}

// TestDecodeStructVariants checks payloads of other structs that
// encoding/gob decodes into the session struct: named, with the fields in
// another order, or with some left out.
func TestDecodeStructVariants(t *testing.T) {
	type gobSession struct {
		Deadline time.Time
		Values   map[string]interface{}
	}
	type reversed struct {
		Values   map[string]interface{}
		Deadline time.Time
	}
	type onlyValues struct{ Values map[string]interface{} }
	type onlyDeadline struct{ Deadline time.Time }
	type empty struct{}
	deadline := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, v := range map[string]any{
		"named":         &gobSession{deadline, sample()},
		"reversed":      &reversed{sample(), deadline},
		"reversed zero": &reversed{},
		"only values":   &onlyValues{sample()},
		"only deadline": &onlyDeadline{deadline},
		"pointer":       &struct{ Deadline *time.Time }{&deadline},
		"struct{}":      &empty{},
	} {
		if !checkDecode(t, gobEncodeAs(t, v)) {
			t.Errorf("%s: Decode fails", name)
		}
	}
	// encoding/gob decodes these too, ignoring fields or, with none sent,
	// everything; Decode leaves them to it.
	type extra struct {
		Deadline time.Time
		Values   map[string]interface{}
		Extra    int
	}
	for name, v := range map[string]any{
		"extra field":  &extra{Extra: 1},
		"other values": &struct{ Values map[string]int }{},
		"other time":   &struct{ Deadline int }{},
	} {
		b := gobEncodeAs(t, v)
		if checkDecode(t, b) {
			t.Errorf("%s: Decode handles it", name)
		}
	}
}

// shiftTypeIDs makes encoding/gob assign new type ids, as a process that has
// encoded other types before has.
func shiftTypeIDs() {
	for i := 1; i <= 80; i++ {
		v := reflect.New(reflect.ArrayOf(i, reflect.TypeFor[[]string]()))
		_ = gob.NewEncoder(new(bytes.Buffer)).Encode(v.Interface())
	}
	_ = gob.NewEncoder(new(bytes.Buffer)).Encode(&struct{ A []string }{})          // names []string
	_ = gob.NewEncoder(new(bytes.Buffer)).Encode(&struct{ B map[string]string }{}) // and map[string]string
}

const shiftedEnv = "GOBWIRE_SHIFTED"

// TestDecodeOtherProcesses checks payloads written by processes where the
// session types have other ids and names.
func TestDecodeOtherProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), shiftedEnv+"=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	for i, h := range strings.Fields(string(out)) {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		if !checkDecode(t, b) {
			t.Errorf("payload %d: Decode fails: %q", i, b)
		}
	}
}

// runShifted prints, in hex, payloads encoded after shiftTypeIDs.
func runShifted() int {
	shiftTypeIDs()
	for _, v := range []map[string]any{sample(), {"m": sample()}, nil} {
		var buf bytes.Buffer
		aux := &session{Deadline: time.Now(), Values: v}
		if err := gob.NewEncoder(&buf).Encode(&aux); err != nil {
			return 1
		}
		os.Stdout.WriteString(hex.EncodeToString(buf.Bytes()) + "\n")
	}
	return 0
}

// withHeader returns the payload header followed by the given bytes.
func withHeader(b ...byte) []byte {
	return append(bytes.Clone(header), b...)
}

// message frames a gob message.
func message(parts ...[]byte) []byte {
	body := bytes.Join(parts, nil)
	return append(appendUint(nil, uint64(len(body))), body...)
}

func wu(x uint64) []byte { return appendUint(nil, x) }
func wi(x int64) []byte  { return appendInt(nil, x) }
func ws(s string) []byte {
	return appendString(nil, s)
}

// TestDecodeGobOddities checks streams that encoding/gob never writes but
// decodes, which Decode must decode the same or leave to it.
func TestDecodeGobOddities(t *testing.T) {
	id := wi(idSession)
	strVal := bytes.Join([][]byte{ws("string"), wi(idString), wu(3), {0}, ws("xy")}, nil)
	for _, tc := range []struct {
		name   string
		b      []byte
		accept bool // whether Decode must accept it
	}{
		{"plain", withHeader(message(id, wu(2), wu(1), ws("k"), strVal, wu(0))...), true},
		{"no terminator", withHeader(message(id, wu(2), wu(1), ws("k"), strVal)...), true},
		{"trailing bytes", withHeader(append(message(id, wu(2), wu(0), wu(0)), 0xff, 0x13)...), true},
		{"trailing message", withHeader(append(message(id, wu(0)), message(id, wu(0))...)...), true},
		{"long uints", withHeader(message(id, []byte{0xff, 2}, []byte{0xfe, 0, 1}, ws("k"),
			ws("string"), []byte{0xf8, 0, 0, 0, 0, 0, 0, 0, 12}, wu(0), wu(0), ws("x"))...), true},
		{"wrong byte count", withHeader(message(id, wu(2), wu(1), ws("k"),
			ws("string"), wi(idString), wu(99), wu(0), ws("x"))...), true},
		{"bool 7", withHeader(message(id, wu(2), wu(1), ws("k"), ws("bool"), wi(idBool), wu(2), wu(0), wu(7))...), true},
		{"duplicate key", withHeader(message(id, wu(2), wu(2), ws("k"), strVal, ws("k"), wu(0))...), true},
		{"id across messages", withHeader(append(message(id, wu(2), wu(1), ws("k"), ws("string")),
			message(wi(idString), wu(3), wu(0), ws("xy"))...)...), true},
		{"empty message", withHeader(message()...), false},
		{"no value", header, false},
		{"empty", nil, false},
		{"singleton not 0", withHeader(message(id, wu(2), wu(1), ws("k"), ws("bool"), wi(idBool), wu(2), wu(1), wu(1))...), false},
		{"name not registered", withHeader(message(id, wu(2), wu(1), ws("k"), ws("nope"), wi(idBool), wu(2), wu(0), wu(1))...), false},
		{"wrong type id", withHeader(message(id, wu(2), wu(1), ws("k"), ws("bool"), wi(idInt), wu(2), wu(0), wu(1))...), false},
		{"int8 overflow", withHeader(message(id, wu(2), wu(1), ws("k"), ws("int8"), wi(idInt), wu(3), wu(0), wi(128))...), false},
		{"uint8 overflow", withHeader(message(id, wu(2), wu(1), ws("k"), ws("uint8"), wi(idUint), wu(3), wu(0), wu(256))...), false},
		{"float32 overflow", withHeader(message(id, wu(2), wu(1), ws("k"), ws("float32"), wi(idFloat), wu(10), wu(0),
			wu(floatBits(0x47efffffe0000001)))...), false},
		{"field out of range", withHeader(message(id, wu(3), wu(0))...), false},
		{"undefined value type", message(id, wu(0)), false},
		{"basic top-level type", withHeader(message(wi(idString), wu(0), ws("x"))...), false},
		{"value id beyond int32", withHeader(message(wi(1<<32+idSession), wu(0))...), false},
		{"redefined type", withHeader(header[len(header)-40:]...), false},
		{"bad time", withHeader(message(id, wu(1), ws("nope"), wu(0))...), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ok := checkDecode(t, tc.b); tc.accept && !ok {
				t.Fatalf("Decode rejects %q", tc.b)
			} else if !tc.accept && ok {
				t.Fatalf("Decode accepts %q", tc.b)
			}
		})
	}
}

// validPayloads returns payloads of handled values, from both encoders.
func validPayloads(tb testing.TB) [][]byte {
	var out [][]byte
	for _, v := range []map[string]any{
		nil, {}, sample(), {"m": sample()}, {"s": strings.Repeat("x", 200)},
		{"ss": []string{"a"}, "ms": map[string]string{"a": "b"}},
	} {
		for _, dl := range []time.Time{{}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)} {
			b, ok := AppendEncode(nil, dl, v)
			if !ok {
				tb.Fatal("AppendEncode fails")
			}
			out = append(out, b, gobEncode(tb, dl, v))
		}
	}
	return out
}

// TestDecodeCorruptInput checks that truncated or altered payloads make
// Decode fail or agree with encoding/gob, never panic, and are called
// malformed only where encoding/gob fails too; every truncation is
// malformed.
func TestDecodeCorruptInput(t *testing.T) {
	for _, b := range validPayloads(t) {
		for n := 0; n < len(b); n++ {
			checkDecode(t, b[:n])
			checkMalformed(t, b[:n])
			var m *MalformedError
			if _, _, err := DecodeChecked(b[:n]); !errors.As(err, &m) {
				t.Fatalf("DecodeChecked of %d of %d bytes = %v, want a *MalformedError", n, len(b), err)
			}
		}
		c := bytes.Clone(b)
		for p := range c {
			orig := c[p]
			for _, x := range []byte{0, 1, 2, 0x7f, 0x80, 0x81, 0xf8, 0xfe, 0xff, orig + 1, orig - 1, orig ^ 0x80} {
				c[p] = x
				checkDecode(t, c)
				checkMalformed(t, c)
			}
			c[p] = orig
		}
	}
}

// TestDecodeBoundsAllocation checks that lengths and counts larger than the
// input make Decode fail without allocating for them.
func TestDecodeBoundsAllocation(t *testing.T) {
	id := wi(idSession)
	big := uint64(1) << 40
	entry := func(name string, typeID int64, value ...[]byte) []byte {
		return bytes.Join(append([][]byte{wu(2), wu(1), ws("k"), ws(name), wi(typeID), wu(9), wu(0)}, value...), nil)
	}
	slice := bytes.Join([][]byte{wi(-idNext), {2, 1, 2}, wi(idNext), {0, 1}, wi(idString), {0, 0}}, nil)
	mapStr := bytes.Join([][]byte{wi(-idNext), {4, 1, 2}, wi(idNext), {0, 1}, wi(idString), {1}, wi(idString), {0, 0}}, nil)
	for name, b := range map[string][]byte{
		"message length":   withHeader(wu(big)...),
		"values count":     withHeader(message(id, wu(2), wu(big))...),
		"values count max": withHeader(message(id, wu(2), wu(1<<64-1))...),
		"key length":       withHeader(message(id, wu(2), wu(1), wu(big))...),
		"name length":      withHeader(message(id, wu(2), wu(1), ws("k"), wu(big))...),
		"string length":    withHeader(message(entry("string", idString, wu(big)))...),
		"bytes length":     withHeader(message(entry("[]uint8", idBytes, wu(big)))...),
		"time length":      withHeader(message(entry("time.Time", idTime, wu(big)))...),
		"nested count":     withHeader(message(entry(nameMapAny, idMapAny, wu(big)))...),
		"strings count": withHeader(append(message(id, wu(2), wu(1), ws("k"), ws("[]string"), slice),
			message(wi(idNext), wu(9), wu(0), wu(big))...)...),
		"mapstring count": withHeader(append(message(id, wu(2), wu(1), ws("k"), ws(nameMapString), mapStr),
			message(wi(idNext), wu(9), wu(0), wu(big))...)...),
		"struct fields": append(message(wi(-idSession), []byte{3, 2}, wu(big)), message(id)...),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, _, ok := Decode(b)
		runtime.ReadMemStats(&after)
		if ok {
			t.Errorf("%s: Decode accepts %q", name, b)
		}
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<16 {
			t.Errorf("%s: Decode allocated %d bytes", name, n)
		}
	}
}

func TestDecodeDoesNotRetainInput(t *testing.T) {
	b, _ := AppendEncode(nil, time.Time{}, map[string]any{"bs": []byte("abc"), "s": "str", "ss": []string{"x"}})
	_, vals, ok := Decode(b)
	if !ok {
		t.Fatal("Decode fails")
	}
	for i := range b {
		b[i] = 'Z'
	}
	if string(vals["bs"].([]byte)) != "abc" || vals["s"] != "str" || vals["ss"].([]string)[0] != "x" {
		t.Fatalf("values changed with the input: %s", describe(vals))
	}
}

func TestDecodeAllocations(t *testing.T) {
	b, _ := AppendEncode(nil, time.Now(), map[string]any{"s": "x", "i": 1000})
	// The map, its two keys, one string and one boxed int.
	if n := testing.AllocsPerRun(100, func() { Decode(b) }); n > 5 {
		t.Errorf("Decode allocates %v times", n)
	}
	buf := make([]byte, 0, 512)
	vals := map[string]any{"s": "x", "i": 1000, "t": time.Now(), "b": []byte("b"), "ok": true}
	if n := testing.AllocsPerRun(100, func() { AppendEncode(buf, time.Now(), vals) }); n > 0 {
		t.Errorf("AppendEncode allocates %v times", n)
	}
}
