package scs_test

import (
	"bytes"
	"encoding/gob"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// codecProfile is a custom value type, registered as SCS requires.
type codecProfile struct {
	Name  string
	Roles []string
}

// codecUnregistered is a custom value type nobody registers.
type codecUnregistered struct{ A int }

func init() {
	gob.Register(codecProfile{})
}

// scsv2Session is the struct SCS v2's GobCodec encodes.
type scsv2Session = struct {
	Deadline time.Time
	Values   map[string]interface{}
}

// scsv2Encode and scsv2Decode do what SCS v2's GobCodec does.
func scsv2Encode(t *testing.T, deadline time.Time, values map[string]any) []byte {
	t.Helper()
	aux := &scsv2Session{Deadline: deadline, Values: values}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&aux); err != nil {
		t.Fatalf("SCS v2 encode: %v", err)
	}
	return b.Bytes()
}

func scsv2Decode(t *testing.T, b []byte) (time.Time, map[string]any) {
	t.Helper()
	aux := &scsv2Session{}
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&aux); err != nil {
		t.Fatalf("SCS v2 decode: %v", err)
	}
	return aux.Deadline, aux.Values
}

// codecValues holds session values of every kind, handled by the fast path
// or not.
func codecValues() map[string]any {
	return map[string]any{
		"string": "héllo", "empty": "", "bool": true, "int": math.MinInt64, "int8": int8(-128),
		"int16": int16(300), "int32": int32(-70000), "int64": int64(math.MaxInt64),
		"uint": uint(math.MaxUint), "uint8": uint8(255), "uint16": uint16(65535), "uint32": uint32(1 << 31),
		"uint64": uint64(math.MaxUint64), "float32": float32(-1.5), "float64": math.Inf(-1),
		"bytes": []byte("bytes"), "time": time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC),
		"strings": []string{"a", "b"}, "mapstring": map[string]string{"k": "v"},
		"map": map[string]any{"nested": map[string]any{"n": 1}, "nil": nil},
		"nil": nil, "__rememberMe": true,
	}
}

func TestGobCodecRoundTrip(t *testing.T) {
	deadline := time.Now().Add(time.Hour)
	for name, values := range map[string]map[string]any{
		"fast path":       codecValues(),
		"fallback":        {"profile": codecProfile{"ann", []string{"admin"}}, "n": 1},
		"nested fallback": {"m": map[string]any{"p": codecProfile{Name: "bob"}}},
		"empty":           {},
		"nil":             nil,
	} {
		t.Run(name, func(t *testing.T) {
			var c scs.Codec = scs.GobCodec{}
			b, err := c.Encode(deadline, values)
			if err != nil {
				t.Fatal(err)
			}
			gotDeadline, got, err := c.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			// As encoding/gob does, the codec drops the monotonic reading and
			// keeps the instant and zone offset.
			if !gotDeadline.Equal(deadline) {
				t.Errorf("deadline = %v, want %v", gotDeadline, deadline)
			}
			_, want := scsv2Decode(t, scsv2Encode(t, deadline, values))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("values = %#v\nwant %#v", got, want)
			}
		})
	}
}

// TestGobCodecIsSCSv2Format checks that SCS v2's codec reads what GobCodec
// writes and the other way round, with and without the fast path.
func TestGobCodecIsSCSv2Format(t *testing.T) {
	deadline := time.Date(2030, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	for name, values := range map[string]map[string]any{
		"fast path": codecValues(),
		"fallback":  {"profile": codecProfile{"ann", nil}},
	} {
		t.Run(name, func(t *testing.T) {
			wantDeadline, want := scsv2Decode(t, scsv2Encode(t, deadline, values))

			b, err := scs.GobCodec{}.Encode(deadline, values)
			if err != nil {
				t.Fatal(err)
			}
			gotDeadline, got := scsv2Decode(t, b)
			if !reflect.DeepEqual(gotDeadline, wantDeadline) || !reflect.DeepEqual(got, want) {
				t.Errorf("SCS v2 decodes GobCodec's payload to %v %#v\nwant %v %#v", gotDeadline, got, wantDeadline, want)
			}

			gotDeadline, got, err = scs.GobCodec{}.Decode(scsv2Encode(t, deadline, values))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gotDeadline, wantDeadline) || !reflect.DeepEqual(got, want) {
				t.Errorf("GobCodec decodes SCS v2's payload to %v %#v\nwant %v %#v", gotDeadline, got, wantDeadline, want)
			}
		})
	}
}

// TestGobCodecSingleValueBytes checks that with one value, whose map order
// cannot differ, GobCodec writes no more than SCS v2.
func TestGobCodecSingleValueBytes(t *testing.T) {
	for name, v := range codecValues() {
		values := map[string]any{name: v}
		if m, ok := v.(map[string]any); ok && len(m) > 1 {
			continue
		}
		b, err := scs.GobCodec{}.Encode(time.Time{}, values)
		if err != nil {
			t.Fatal(err)
		}
		if want := scsv2Encode(t, time.Time{}, values); len(b) > len(want) {
			t.Errorf("%s: GobCodec writes %d bytes, SCS v2 %d", name, len(b), len(want))
		}
	}
}

func TestGobCodecUnregisteredTypeIsAnError(t *testing.T) {
	_, err := scs.GobCodec{}.Encode(time.Time{}, map[string]any{"x": codecUnregistered{1}})
	if err == nil || !strings.Contains(err.Error(), "not registered") {
		t.Fatalf("err = %v, want encoding/gob's type not registered error", err)
	}
}

func TestGobCodecCorruptPayloadIsAnError(t *testing.T) {
	b, err := scs.GobCodec{}.Encode(time.Now(), codecValues())
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(b); n += 7 {
		if _, _, err := (scs.GobCodec{}).Decode(b[:n]); err == nil {
			t.Errorf("Decode of %d of %d bytes succeeds", n, len(b))
		}
	}
	for _, b := range [][]byte{nil, {0}, {0xff}, []byte("not a gob payload")} {
		if _, _, err := (scs.GobCodec{}).Decode(b); err == nil {
			t.Errorf("Decode(%q) succeeds", b)
		}
	}
}

// TestGobCodecRegistersTimeAndMaps checks that time.Time and the map types
// work without registration, and that applications that register them, as
// SCS v2 required, still may.
func TestGobCodecRegistersTimeAndMaps(t *testing.T) {
	gob.Register(time.Time{})
	gob.Register(map[string]interface{}{})
	gob.Register(map[string]string{})

	// encoding/gob itself, as SCS v2 uses it, knows them by their default
	// names.
	values := map[string]any{"t": time.Unix(1, 0).UTC(), "m": map[string]any{}, "s": map[string]string{}}
	_, got := scsv2Decode(t, scsv2Encode(t, time.Time{}, values))
	if !reflect.DeepEqual(got, values) {
		t.Fatalf("got %#v, want %#v", got, values)
	}
}

func TestGobCodecEncodeReturnsFreshBuffers(t *testing.T) {
	values := map[string]any{"a": "x"}
	b1, _ := scs.GobCodec{}.Encode(time.Time{}, values)
	orig := bytes.Clone(b1)
	b2, _ := scs.GobCodec{}.Encode(time.Time{}, map[string]any{"b": "y"})
	if !bytes.Equal(b1, orig) {
		t.Fatal("a later Encode changed an earlier result")
	}
	if len(b2) > 0 && len(b1) > 0 && &b1[0] == &b2[0] {
		t.Fatal("Encode results share memory")
	}
	if cap(b1) != len(b1) {
		t.Errorf("Encode result has %d spare bytes", cap(b1)-len(b1))
	}
}

func TestGobCodecConcurrentUse(t *testing.T) {
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- true }()
			for i := 0; i < 200; i++ {
				values := map[string]any{"i": i, "s": strings.Repeat("x", i)}
				b, err := scs.GobCodec{}.Encode(time.Time{}, values)
				if err != nil {
					t.Error(err)
					return
				}
				_, got, err := scs.GobCodec{}.Decode(b)
				if err != nil || !reflect.DeepEqual(got, values) {
					t.Errorf("got %v %v, want %v", got, err, values)
					return
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}

// BenchmarkCodec encodes and decodes a typical session: a string, an int, a
// bool, a time and 64 bytes, with GobCodec and with encoding/gob as SCS v2
// uses it.
func BenchmarkCodec(b *testing.B) {
	deadline := time.Now().Add(24 * time.Hour)
	values := map[string]any{
		"flash":     "Your changes were saved.",
		"userID":    1234567,
		"admin":     true,
		"lastSeen":  time.Now(),
		"csrfToken": bytes.Repeat([]byte{0x5a}, 64),
	}
	gobCodec := scs.GobCodec{}
	encodings := []struct {
		name   string
		encode func() []byte
		decode func([]byte)
	}{
		{"scs", func() []byte {
			p, err := gobCodec.Encode(deadline, values)
			if err != nil {
				b.Fatal(err)
			}
			return p
		}, func(p []byte) {
			if _, _, err := gobCodec.Decode(p); err != nil {
				b.Fatal(err)
			}
		}},
		{"encoding-gob", func() []byte {
			aux := &scsv2Session{Deadline: deadline, Values: values}
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(&aux); err != nil {
				b.Fatal(err)
			}
			return buf.Bytes()
		}, func(p []byte) {
			aux := &scsv2Session{}
			if err := gob.NewDecoder(bytes.NewReader(p)).Decode(&aux); err != nil {
				b.Fatal(err)
			}
		}},
	}
	for _, e := range encodings {
		p := e.encode()
		b.Run(e.name+"/encode", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				e.encode()
			}
			b.ReportMetric(float64(len(p)), "payload-bytes")
		})
		b.Run(e.name+"/decode", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				e.decode(p)
			}
			b.ReportMetric(float64(len(p)), "payload-bytes")
		})
		b.Run(e.name+"/roundtrip", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				e.decode(e.encode())
			}
			b.ReportMetric(float64(len(p)), "payload-bytes")
		})
	}
}
