// Package gobwire reads and writes the encoding/gob stream of an SCS session
// payload, struct{ Deadline time.Time; Values map[string]interface{} }, without
// reflection, for the value types sessions usually hold.
//
// The stream is the one a fresh gob.Encoder writes: type definitions first,
// then one value message. The package handles only what it can handle exactly
// as encoding/gob does; for anything else AppendEncode and Decode report false
// and the caller uses encoding/gob itself.
//
// Wire facts used throughout (see encoding/gob's doc.go):
//   - An unsigned integer below 128 is one byte; a larger one is its byte
//     count, negated, followed by its big-endian bytes.
//   - A signed integer i is sent as the unsigned i<<1, complemented when
//     negative, with the low bit saying which.
//   - A float is its IEEE bits with the bytes reversed, sent as an unsigned.
//   - A string or byte slice is its length followed by its bytes.
//   - A struct is a list of (field number delta, value) pairs ending with a
//     zero delta; zero-valued fields are left out.
//   - A message is a length followed by a signed type id: a negative id is
//     followed by the definition of that type, a positive one by a value.
//   - An interface value is the registered name of the concrete type (empty
//     for nil), any type definitions the value needs, its type id, a byte
//     count and the value sent as a top-level non-struct value: a zero
//     field delta followed by the value.
package gobwire

import "math/bits"

// Predefined gob type ids (encoding/gob's type.go). Ids from firstUserID on
// belong to types defined in the stream.
const (
	idBool      = 1
	idInt       = 2
	idUint      = 3
	idFloat     = 4
	idBytes     = 5
	idString    = 6
	idInterface = 8
	firstUserID = 64
)

// appendUint appends x in gob's unsigned integer encoding.
func appendUint(b []byte, x uint64) []byte {
	if x < 0x80 {
		return append(b, byte(x))
	}
	n := (bits.Len64(x) + 7) >> 3
	b = append(b, byte(-n))
	for s := (n - 1) * 8; s >= 0; s -= 8 {
		b = append(b, byte(x>>uint(s)))
	}
	return b
}

// appendInt appends i in gob's signed integer encoding.
func appendInt(b []byte, i int64) []byte {
	if i < 0 {
		return appendUint(b, uint64(^i)<<1|1)
	}
	return appendUint(b, uint64(i)<<1)
}

// uintLen returns the number of bytes appendUint uses for x.
func uintLen(x uint64) int {
	if x < 0x80 {
		return 1
	}
	return 1 + (bits.Len64(x)+7)>>3
}

// toInt turns a decoded unsigned integer back into the signed integer
// appendInt encoded.
func toInt(x uint64) int64 {
	i := int64(x >> 1)
	if x&1 != 0 {
		i = ^i
	}
	return i
}

// floatBits returns the unsigned integer gob sends for f.
func floatBits(f uint64) uint64 { return bits.ReverseBytes64(f) }
