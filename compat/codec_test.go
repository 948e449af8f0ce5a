package compat

import (
	"encoding/gob"
	"math"
	"reflect"
	"testing"
	"time"

	scsv2 "github.com/alexedwards/scs/v2"
	"github.com/seed3bbca6c1/scs"
)

// Profile is a custom type an application registers with gob, as SCS's
// documentation asks.
type Profile struct {
	Name  string
	Roles []string
	Age   int
}

func init() {
	gob.Register(Profile{})
	gob.Register(time.Time{}) // SCS v2 needs this for time values
	gob.Register(map[string]interface{}{})
	gob.Register(map[string]string{})
}

// payloads are the session values both codecs must carry alike.
func payloads() map[string]map[string]interface{} {
	when := time.Date(2026, 11, 27, 10, 30, 0, 123456789, time.UTC)
	return map[string]map[string]interface{}{
		"empty":   {},
		"strings": {"message": "Hello from a session!", "empty": "", "unicode": "héllo 世界"},
		"ints": {"int": 42, "neg": -7, "int8": int8(-8), "int16": int16(16), "int32": int32(-32), "int64": int64(math.MaxInt64),
			"uint": uint(7), "uint8": uint8(255), "uint16": uint16(65535), "uint32": uint32(1 << 31), "uint64": uint64(math.MaxUint64)},
		"bools":  {"yes": true, "no": false},
		"floats": {"f64": 3.14159, "f32": float32(2.5), "inf": math.Inf(1), "tiny": math.SmallestNonzeroFloat64},
		"bytes":  {"b": []byte{0, 1, 2, 0xff}, "empty": []byte{}},
		"times":  {"utc": when, "zone": when.In(time.FixedZone("X", 3600)), "zero": time.Time{}},
		"nested": {"m": map[string]interface{}{"a": "b", "n": 1, "inner": map[string]interface{}{"deep": true}},
			"ss": []string{"x", "y"}, "ms": map[string]string{"k": "v"}},
		"custom": {"profile": Profile{Name: "alice", Roles: []string{"admin"}, Age: 30}, "userID": 123},
	}
}

func TestPayloadsFromSCSDecodeHere(t *testing.T) {
	deadline := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for name, values := range payloads() {
		t.Run(name, func(t *testing.T) {
			b, err := scsv2.GobCodec{}.Encode(deadline, values)
			if err != nil {
				t.Fatalf("SCS Encode: %v", err)
			}
			gotDeadline, got, err := scs.GobCodec{}.Decode(b)
			if err != nil {
				t.Fatalf("our Decode of SCS's payload: %v", err)
			}
			checkSame(t, deadline, values, gotDeadline, got)
		})
	}
}

func TestPayloadsFromHereDecodeInSCS(t *testing.T) {
	deadline := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	for name, values := range payloads() {
		t.Run(name, func(t *testing.T) {
			b, err := scs.GobCodec{}.Encode(deadline, values)
			if err != nil {
				t.Fatalf("our Encode: %v", err)
			}
			gotDeadline, got, err := scsv2.GobCodec{}.Decode(b)
			if err != nil {
				t.Fatalf("SCS Decode of our payload: %v", err)
			}
			checkSame(t, deadline, values, gotDeadline, got)
		})
	}
}

// checkSame compares decoded values with what was encoded. Times compare
// with Equal (gob keeps the instant and the offset, not the zone's name or
// the monotonic clock), everything else deeply.
func checkSame(t *testing.T, wantDeadline time.Time, want map[string]interface{}, gotDeadline time.Time, got map[string]interface{}) {
	t.Helper()
	if !gotDeadline.Equal(wantDeadline) {
		t.Errorf("deadline = %v, want %v", gotDeadline, wantDeadline)
	}
	if len(got) != len(want) {
		t.Errorf("%d values, want %d: %#v", len(got), len(want), got)
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("value %q missing", k)
			continue
		}
		if wt, ok := w.(time.Time); ok {
			if gt, ok := g.(time.Time); !ok || !gt.Equal(wt) {
				t.Errorf("value %q = %#v, want %v", k, g, wt)
			}
			continue
		}
		if wb, ok := w.([]byte); ok && len(wb) == 0 {
			// gob sends an empty slice as a zero-length one; either form is
			// the same to GetBytes callers.
			if gb, ok := g.([]byte); !ok || len(gb) != 0 {
				t.Errorf("value %q = %#v, want empty []byte", k, g)
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("value %q = %#v (%T), want %#v (%T)", k, g, g, w, w)
		}
	}
}
