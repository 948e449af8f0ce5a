package gobwire

import (
	"bytes"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"
)

// handledValues holds a value of every handled type, with edge values.
var handledValues = map[string]any{
	"nil":             nil,
	"string":          "hello",
	"string empty":    "",
	"string unicode":  "héllo, 世界 \x00\xff",
	"string 200":      strings.Repeat("s", 200),
	"string 70000":    strings.Repeat("é", 35000),
	"bool true":       true,
	"bool false":      false,
	"int 0":           0,
	"int 1":           1,
	"int -1":          -1,
	"int 63":          63,
	"int 64":          64,
	"int -64":         -64,
	"int -65":         -65,
	"int 300":         300,
	"int max":         math.MaxInt,
	"int min":         math.MinInt,
	"int8 max":        int8(math.MaxInt8),
	"int8 min":        int8(math.MinInt8),
	"int16 max":       int16(math.MaxInt16),
	"int16 min":       int16(math.MinInt16),
	"int32 max":       int32(math.MaxInt32),
	"int32 min":       int32(math.MinInt32),
	"int64 max":       int64(math.MaxInt64),
	"int64 min":       int64(math.MinInt64),
	"int64 0":         int64(0),
	"uint 0":          uint(0),
	"uint max":        uint(math.MaxUint),
	"uint8 max":       uint8(math.MaxUint8),
	"uint8 0":         uint8(0),
	"uint16 max":      uint16(math.MaxUint16),
	"uint32 max":      uint32(math.MaxUint32),
	"uint64 max":      uint64(math.MaxUint64),
	"uint64 128":      uint64(128),
	"float32 0":       float32(0),
	"float32 -0":      float32(math.Copysign(0, -1)),
	"float32 1.5":     float32(1.5),
	"float32 max":     float32(math.MaxFloat32),
	"float32 tiny":    float32(math.SmallestNonzeroFloat32),
	"float32 +inf":    float32(math.Inf(1)),
	"float32 -inf":    float32(math.Inf(-1)),
	"float32 nan":     float32(math.NaN()),
	"float64 0":       0.0,
	"float64 -0":      math.Copysign(0, -1),
	"float64 pi":      math.Pi,
	"float64 max":     math.MaxFloat64,
	"float64 tiny":    math.SmallestNonzeroFloat64,
	"float64 +inf":    math.Inf(1),
	"float64 -inf":    math.Inf(-1),
	"float64 nan":     math.NaN(),
	"float64 nan2":    math.Float64frombits(0x7ff8000000000123),
	"bytes nil":       []byte(nil),
	"bytes empty":     []byte{},
	"bytes 0":         []byte{0},
	"bytes 64":        bytes.Repeat([]byte{0xab}, 64),
	"bytes 300":       bytes.Repeat([]byte{1, 2, 3}, 100),
	"time zero":       time.Time{},
	"time zero utc":   time.Time{}.UTC(),
	"time zero local": time.Time{}.Local(),
	"time utc":        time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
	"time now":        time.Now(), // with a monotonic reading
	"time local":      time.Date(2001, 1, 1, 0, 0, 0, 0, time.Local),
	"time zone":       time.Date(2020, 6, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600)),
	"time zone -":     time.Date(2020, 6, 1, 12, 0, 0, 0, time.FixedZone("X", -(9*3600+30*60))),
	"time zone secs":  time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 3600+17)),
	"time unix 0":     time.Unix(0, 0),
	"time far":        time.Date(-100000, 1, 1, 0, 0, 0, 1, time.UTC),
	"time future":     time.Date(9999999, 12, 31, 0, 0, 0, 0, time.UTC),
	"strings nil":     []string(nil),
	"strings empty":   []string{},
	"strings one":     []string{""},
	"strings":         []string{"a", "bé", strings.Repeat("z", 130)},
	"strings many":    strings.Split(strings.Repeat("x,", 200), ","),
	"mapstr nil":      map[string]string(nil),
	"mapstr empty":    map[string]string{},
	"mapstr":          map[string]string{"a": "b", "": "", "ключ": "значение"},
	"mapany nil":      map[string]any(nil),
	"mapany empty":    map[string]any{},
	"mapany": map[string]any{
		"s": "x", "i": 7, "b": []byte("b"), "t": time.Unix(1e9, 5).UTC(), "n": nil,
		"ss": []string{"q"}, "ms": map[string]string{"k": "v"},
		"m": map[string]any{"deep": map[string]any{"deeper": []string{"w"}, "f": 2.5}},
	},
}

// deadlines holds edge deadlines.
var deadlines = map[string]time.Time{
	"zero":        {},
	"zero utc":    time.Time{}.UTC(),
	"zero local":  time.Time{}.Local(),
	"zero zone":   time.Time{}.In(time.FixedZone("Z", 3600)),
	"utc":         time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC),
	"local":       time.Date(2030, 1, 2, 3, 4, 5, 6, time.Local),
	"now":         time.Now(),
	"now+24h":     time.Now().Add(24 * time.Hour),
	"zone":        time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("EST", -5*3600)),
	"zone secs":   time.Date(1880, 1, 2, 3, 4, 5, 6, time.FixedZone("LMT", -(5*3600+17*60+32))),
	"unix 0":      time.Unix(0, 0),
	"year 1 utc":  time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC),
	"before year": time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestEncodeDecodeEachType(t *testing.T) {
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, name := range sortedKeys(handledValues) {
		t.Run(name, func(t *testing.T) {
			if !checkEncode(t, deadline, map[string]any{"key": handledValues[name]}) {
				t.Fatalf("AppendEncode does not handle %s", describe(handledValues[name]))
			}
		})
	}
}

func TestEncodeDecodeAllTypesTogether(t *testing.T) {
	for i := 0; i < 20; i++ { // several map iteration orders
		if !checkEncode(t, time.Now(), handledValues) {
			t.Fatal("AppendEncode does not handle the values")
		}
	}
}

func TestEncodeDecodeDeadlines(t *testing.T) {
	for _, name := range sortedKeys(deadlines) {
		t.Run(name, func(t *testing.T) {
			for _, values := range []map[string]any{nil, {}, {"a": 1}} {
				if !checkEncode(t, deadlines[name], values) {
					t.Fatalf("AppendEncode does not handle deadline %s", describe(deadlines[name]))
				}
			}
		})
	}
}

func TestEncodeDecodeKeys(t *testing.T) {
	for _, values := range []map[string]any{
		nil,
		{},
		{"": ""},
		{"ключ": 1, "鍵": 2, "🔑": 3, "\x00": 4, "\xff\xfe": 5},
		{strings.Repeat("k", 300): "long key"},
		{"__rememberMe": true, "userID": 42, "flash": "saved"},
	} {
		if !checkEncode(t, time.Time{}, values) {
			t.Fatalf("AppendEncode does not handle %s", describe(values))
		}
	}
}

func TestEncodeDecodeNestedMaps(t *testing.T) {
	// Levels of maps, counting the values map itself.
	m := map[string]any{"leaf": []string{"x"}}
	for depth := 2; depth <= maxDepth; depth++ {
		m = map[string]any{"m": m, "s": map[string]string{"d": fmt.Sprint(depth)}, "ss": []string{"y"}}
		if !checkEncode(t, time.Time{}, m) {
			t.Fatalf("AppendEncode does not handle maps nested %d deep", depth)
		}
	}
	// Deeper nesting goes to encoding/gob.
	m = map[string]any{"m": m}
	if _, ok := AppendEncode(nil, time.Time{}, m); ok {
		t.Fatalf("AppendEncode handles maps nested %d deep", maxDepth+1)
	}
	b := gobEncode(t, time.Time{}, m)
	if checkDecode(t, b) {
		t.Fatalf("Decode handles maps nested %d deep", maxDepth+1)
	}
}

// TestEncodeLeavesOthersToGob checks that values AppendEncode does not handle
// make it report false, whether encoding/gob encodes them or not.
func TestEncodeLeavesOthersToGob(t *testing.T) {
	var nilInt *int
	for name, v := range map[string]any{
		"custom struct":    Profile{Name: "a", Age: 3},
		"custom pointer":   &Profile{},
		"nil pointer":      nilInt,
		"[]int":            []int{1, 2},
		"[]any":            []any{1},
		"map[string]int":   map[string]int{"a": 1},
		"map[int]string":   map[int]string{1: "a"},
		"complex128":       complex(1, 2),
		"uintptr":          uintptr(1),
		"named string":     time.Month(1),
		"duration":         time.Second,
		"struct":           struct{ A int }{1},
		"nested custom":    map[string]any{"p": Profile{}},
		"time bad offset":  time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("", -60)),
		"nested bad time":  map[string]any{"t": time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("", -60))},
		"after good value": map[string]any{"a": []string{"x"}, "b": map[string]string{}, "z": struct{}{}},
	} {
		if checkEncode(t, time.Time{}, map[string]any{"a": 1, "k": v}) {
			t.Errorf("%s: AppendEncode handles %s", name, describe(v))
		}
	}
	if checkEncode(t, time.Date(2020, 1, 1, 0, 0, 0, 0, time.FixedZone("", -60)), nil) {
		t.Error("AppendEncode handles a deadline encoding/gob cannot encode")
	}
}

// The payloads that TestEncodeMatchesFreshGobBytes compares, with at most
// one entry per map so that the order is fixed.
var freshCases = map[string]func() (time.Time, map[string]any){
	"nil":      func() (time.Time, map[string]any) { return time.Time{}, nil },
	"empty":    func() (time.Time, map[string]any) { return time.Unix(1e9, 1), map[string]any{} },
	"string":   func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": "v"} },
	"long":     func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": strings.Repeat("v", 300)} },
	"int":      func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": -1234567} },
	"int8":     func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": int8(-8)} },
	"uint64":   func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": uint64(1 << 63)} },
	"float32":  func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": float32(0.1)} },
	"float64":  func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": 17.0} },
	"bool":     func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": true} },
	"bytes":    func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": []byte("xyz")} },
	"nilvalue": func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": nil} },
	"time": func() (time.Time, map[string]any) {
		return time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC), map[string]any{"k": time.Date(1, 2, 3, 4, 5, 6, 7, time.FixedZone("", 90*60+1))}
	},
	"strings": func() (time.Time, map[string]any) { return time.Time{}, map[string]any{"k": []string{"a", ""}} },
	"mapstring": func() (time.Time, map[string]any) {
		return time.Time{}, map[string]any{"k": map[string]string{"a": "b"}}
	},
	"nested": func() (time.Time, map[string]any) {
		return time.Time{}, map[string]any{"k": map[string]any{"n": map[string]any{"s": []string{"x"}}}}
	},
	"nested2": func() (time.Time, map[string]any) {
		return time.Time{}, map[string]any{"k": map[string]any{"n": map[string]any{"m": map[string]string{"x": strings.Repeat("y", 200)}}}}
	},
}

const freshEnv = "GOBWIRE_FRESH_CASE"

// runFreshCase prints encoding/gob's encoding of a fresh case in hex. It runs
// in a process of its own, where the session is the first thing gob encodes.
func runFreshCase(name string) int {
	f, ok := freshCases[name]
	if !ok {
		return 2
	}
	deadline, values := f()
	var buf bytes.Buffer
	aux := &session{Deadline: deadline, Values: values}
	if err := gob.NewEncoder(&buf).Encode(&aux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Print(hex.EncodeToString(buf.Bytes()))
	return 0
}

// TestEncodeMatchesFreshGobBytes checks that AppendEncode writes what SCS v2
// writes in a process where the session is the first thing gob encodes.
func TestEncodeMatchesFreshGobBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a process per case")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	for _, name := range sortedKeys(freshCases) {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), freshEnv+"="+name)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("child: %v", err)
			}
			want, err := hex.DecodeString(string(out))
			if err != nil {
				t.Fatal(err)
			}
			deadline, values := freshCases[name]()
			got, ok := AppendEncode(nil, deadline, values)
			if !ok {
				t.Fatal("AppendEncode failed")
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendEncode =\n%q\nencoding/gob =\n%q", got, want)
			}
		})
	}
}

func TestAppendEncodeAppends(t *testing.T) {
	dst := make([]byte, 3, 1000)
	copy(dst, "abc")
	out, ok := AppendEncode(dst, time.Time{}, map[string]any{"a": 1})
	if !ok || string(out[:3]) != "abc" || &out[0] != &dst[0] {
		t.Fatalf("AppendEncode did not append in place: %q %v", out, ok)
	}
	if !checkDecode(t, out[3:]) {
		t.Fatal("Decode failed")
	}
}

const otherNamesEnv = "GOBWIRE_OTHER_NAMES"

// TestOtherRegistrationsGoToGob checks that where time.Time and the map types
// are registered under other names, or as pointers, the fast path leaves them
// to encoding/gob, which uses those registrations.
func TestOtherRegistrationsGoToGob(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a process")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), otherNamesEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "ok" {
		t.Fatalf("child: %v: %s", err, out)
	}
}

// runOtherNames runs in a process where init registered other names.
func runOtherNames() int {
	if r := registered(); r != 0 {
		fmt.Printf("registered() = %b", r)
		return 1
	}
	for _, v := range []any{time.Unix(1, 0), map[string]string{}, map[string]any{}} {
		values := map[string]any{"k": v}
		if _, ok := AppendEncode(nil, time.Time{}, values); ok {
			fmt.Printf("AppendEncode handles %T", v)
			return 1
		}
		var buf bytes.Buffer
		if err := gob.NewEncoder(&buf).Encode(&session{Values: values}); err != nil {
			fmt.Print(err)
			return 1
		}
		if _, _, ok := Decode(buf.Bytes()); ok {
			fmt.Printf("Decode handles %T", v)
			return 1
		}
	}
	// Other types still take the fast path.
	b, ok := AppendEncode(nil, time.Unix(1, 0), map[string]any{"s": "x", "ss": []string{"y"}})
	if !ok {
		fmt.Print("AppendEncode fails")
		return 1
	}
	if _, _, ok := Decode(b); !ok {
		fmt.Print("Decode fails")
		return 1
	}
	fmt.Print("ok")
	return 0
}

func TestAppendTimeIsMarshalBinary(t *testing.T) {
	zones := []*time.Location{
		time.UTC, time.Local,
		time.FixedZone("east", 5*3600+30*60),
		time.FixedZone("west", -8*3600),
		time.FixedZone("seconds", 3600+17),
		time.FixedZone("minus-seconds", -(2*3600 + 59)),
	}
	times := []time.Time{{}, time.Unix(0, 0), time.Unix(1e9, 123456789), time.Now(), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)}
	for _, tm := range times {
		for _, z := range zones {
			in := tm.In(z)
			want, err := in.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			got, ok := appendTime([]byte("x"), in)
			if !ok || string(got) != "x"+string(want) {
				t.Errorf("appendTime(%v) = %x, %v; MarshalBinary gives %x", in, got, ok, want)
			}
		}
	}
	if _, ok := appendTime(nil, time.Now().In(time.FixedZone("bad", -60))); ok {
		t.Error("appendTime accepted a zone offset of -1 minute, which MarshalBinary refuses")
	}
}
