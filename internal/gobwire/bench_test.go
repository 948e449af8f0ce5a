package gobwire

import (
	"bytes"
	"testing"
	"time"
)

// benchValues is a typical session: a string, an int, a bool, a time and 64
// bytes.
var benchValues = map[string]any{
	"flash":     "Your changes were saved.",
	"userID":    1234567,
	"admin":     true,
	"lastSeen":  time.Now(),
	"csrfToken": bytes.Repeat([]byte{0x5a}, 64),
}

func BenchmarkAppendEncode(b *testing.B) {
	deadline := time.Now().Add(24 * time.Hour)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		AppendEncode(buf, deadline, benchValues)
	}
}

func BenchmarkDecode(b *testing.B) {
	p, _ := AppendEncode(nil, time.Now().Add(24*time.Hour), benchValues)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, ok := Decode(p); !ok {
			b.Fatal("Decode fails")
		}
	}
}
