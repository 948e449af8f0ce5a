package gobwire

import (
	"math"
	"time"
)

// Type ids of the stream AppendEncode writes. They are the ids a fresh
// process's encoding/gob gives these types when the session struct is the
// first type it encodes, so that the output matches encoding/gob's byte for
// byte in that case. Any ids would decode the same.
const (
	idSession = firstUserID     // struct{ Deadline time.Time; Values map[string]interface{} }
	idTime    = firstUserID + 1 // time.Time, a GobEncoder
	idMapAny  = firstUserID + 2 // map[string]interface{}
	// Later types ([]string, map[string]string) get the following ids in the
	// order the stream first needs them.
	idNext = firstUserID + 3
)

// maxDepth bounds how deeply map values may nest in the fast path; deeper
// (or cyclic) values go to encoding/gob.
const maxDepth = 32

// header is the start of every payload: the definitions of the session
// struct, time.Time and map[string]interface{}, as encoding/gob sends them.
var header = func() []byte {
	var e encoder
	// Struct type (wireType field 2, StructT): an anonymous struct, so no
	// name, as SCS v2's codec encodes.
	e.open()
	e.b = appendInt(e.b, -idSession)
	e.b = append(e.b, 3, 1, 2) // StructT, CommonType, Id (Name is empty)
	e.b = appendInt(e.b, idSession)
	e.b = append(e.b, 0, 1, 2) // end CommonType, Field with 2 elements
	e.b = appendField(e.b, "Deadline", idTime)
	e.b = appendField(e.b, "Values", idMapAny)
	e.b = append(e.b, 0, 0) // end structType, end wireType
	e.close()
	// time.Time (wireType field 4, GobEncoderT), named by its type name.
	e.open()
	e.b = appendInt(e.b, -idTime)
	e.b = append(e.b, 5, 1, 1) // GobEncoderT, CommonType, Name
	e.b = appendString(e.b, "Time")
	e.b = append(e.b, 1) // Id
	e.b = appendInt(e.b, idTime)
	e.b = append(e.b, 0, 0, 0) // end CommonType, gobEncoderType, wireType
	e.close()
	// map[string]interface{} (wireType field 3, MapT), named as a struct
	// field's type is.
	e.open()
	e.b = appendInt(e.b, -idMapAny)
	e.b = append(e.b, 4, 1, 1) // MapT, CommonType, Name
	e.b = appendString(e.b, nameMapAny)
	e.b = append(e.b, 1) // Id
	e.b = appendInt(e.b, idMapAny)
	e.b = append(e.b, 0, 1) // end CommonType, Key
	e.b = appendInt(e.b, idString)
	e.b = append(e.b, 1) // Elem
	e.b = appendInt(e.b, idInterface)
	e.b = append(e.b, 0, 0) // end mapType, wireType
	e.close()
	return e.b[:len(e.b):len(e.b)]
}()

// appendField appends a fieldType struct {Name string; Id typeId}.
func appendField(b []byte, name string, id int64) []byte {
	b = append(b, 1)
	b = appendString(b, name)
	b = append(b, 1)
	b = appendInt(b, id)
	return append(b, 0)
}

// appendString appends s as a gob string.
func appendString(b []byte, s string) []byte {
	return append(appendUint(b, uint64(len(s))), s...)
}

// AppendEncode appends to dst the encoding/gob stream that a fresh
// gob.Encoder writes for
//
//	&struct {
//		Deadline time.Time
//		Values   map[string]interface{}
//	}{deadline, values}
//
// and returns the extended slice and true. encoding/gob decodes the result to
// the values its own encoding would decode to.
//
// Values may hold nil and values of type string, bool, int, int8, int16,
// int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64,
// []byte and []string, and, when registered with encoding/gob under their
// default names, time.Time, map[string]string and map[string]interface{}
// holding these in turn. For any other value, or a time whose zone offset
// encoding/gob cannot encode, AppendEncode returns dst unchanged and false:
// encode with encoding/gob, which encodes the value or reports the error.
//
// Map entries are written in Go's map iteration order, as encoding/gob
// writes them.
func AppendEncode(dst []byte, deadline time.Time, values map[string]any) ([]byte, bool) {
	e := encoder{b: append(dst, header...), nextID: idNext, reg: registered()}
	e.open()
	e.b = appendInt(e.b, idSession)
	field := -1
	if deadline != (time.Time{}) { // encoding/gob leaves out a zero struct
		e.b = append(e.b, byte(0-field))
		if !e.time(deadline) {
			return dst, false
		}
		field = 0
	}
	if values != nil { // and a nil map, but not an empty one
		e.b = append(e.b, byte(1-field))
		if !e.mapAny(values, 1) {
			return dst, false
		}
	}
	e.b = append(e.b, 0)
	e.close()
	return e.b, true
}

// encoder holds the state of one AppendEncode call.
type encoder struct {
	b []byte
	// parts holds the offsets in b of the one-byte placeholders for the
	// lengths of the messages or byte-counted values still being written,
	// innermost last; n is how many there are.
	parts [maxDepth + 2]int
	n     int
	// Ids of []string and map[string]string once their definition is sent.
	stringsID, mapStringID int64
	nextID                 int64
	reg                    uint32 // registered()
}

// open starts a length-prefixed part of the stream: a message or the value
// of an interface.
func (e *encoder) open() {
	e.parts[e.n] = len(e.b)
	e.n++
	e.b = append(e.b, 0)
}

// close ends the innermost part that open started, writing its length.
func (e *encoder) close() {
	e.n--
	p := e.parts[e.n]
	size := len(e.b) - p - 1
	if size < 0x80 {
		e.b[p] = byte(size)
		return
	}
	var tmp [9]byte
	hdr := appendUint(tmp[:0], uint64(size))
	e.b = append(e.b, hdr[1:]...) // room for the longer length
	copy(e.b[p+len(hdr):], e.b[p+1:p+1+size])
	copy(e.b[p:], hdr)
}

// define ends the innermost part after a type definition has been appended
// to it, and starts the next. encoding/gob does the same: it sends each
// definition as a message of its own, and for a value nested in an interface
// the "message" is a byte-counted piece of the enclosing value, so the part
// being written is cut there and continues as a new piece.
func (e *encoder) define() {
	e.close()
	e.open()
}

// time appends t as a GobEncoder: its MarshalBinary form, byte-counted.
func (e *encoder) time(t time.Time) bool {
	p := len(e.b)
	b, ok := appendTime(append(e.b, 0), t)
	if !ok {
		e.b = e.b[:p]
		return false
	}
	e.b = b
	e.b[p] = byte(len(b) - p - 1) // 15 or 16
	return true
}

// appendTime appends t in the form of time.Time's MarshalBinary, without
// the allocation of MarshalBinary (time.Time.AppendBinary needs Go 1.24). It
// reports false for a zone offset that form cannot carry, as MarshalBinary
// fails for it.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	version, offsetMin, offsetSec := byte(1), int16(-1), int8(0)
	if t.Location() != time.UTC {
		_, offset := t.Zone()
		if offset%60 != 0 {
			version, offsetSec = 2, int8(offset%60)
		}
		offset /= 60
		if offset < -32768 || offset == -1 || offset > 32767 {
			return b, false
		}
		offsetMin = int16(offset)
	}
	sec := t.Unix() + secondsToUnix
	nsec := int32(t.Nanosecond())
	b = append(b, version,
		byte(sec>>56), byte(sec>>48), byte(sec>>40), byte(sec>>32),
		byte(sec>>24), byte(sec>>16), byte(sec>>8), byte(sec),
		byte(nsec>>24), byte(nsec>>16), byte(nsec>>8), byte(nsec),
		byte(offsetMin>>8), byte(offsetMin))
	if version == 2 {
		b = append(b, byte(offsetSec))
	}
	return b, true
}

// secondsToUnix is the number of seconds from January 1 of year 1 (where
// time.Time's binary form counts from) to the Unix epoch.
const secondsToUnix = 62135596800

// head appends the interface type name and the id of a predefined type.
func (e *encoder) head(name string, id int64) {
	e.b = appendString(e.b, name)
	e.b = appendInt(e.b, id)
}

// iface appends v as the value of an interface, depth levels deep.
func (e *encoder) iface(v any, depth int) bool {
	switch x := v.(type) {
	case nil:
		e.b = append(e.b, 0) // empty name
		return true
	case string:
		e.head("string", idString)
		e.b = appendUint(e.b, uint64(1+uintLen(uint64(len(x)))+len(x)))
		e.b = append(e.b, 0)
		e.b = appendString(e.b, x)
		return true
	case []byte:
		e.head("[]uint8", idBytes)
		e.b = appendUint(e.b, uint64(1+uintLen(uint64(len(x)))+len(x)))
		e.b = append(e.b, 0)
		e.b = appendUint(e.b, uint64(len(x)))
		e.b = append(e.b, x...)
		return true
	case bool:
		e.head("bool", idBool)
		if x {
			e.b = append(e.b, 2, 0, 1)
		} else {
			e.b = append(e.b, 2, 0, 0)
		}
		return true
	case int:
		e.int("int", int64(x))
	case int8:
		e.int("int8", int64(x))
	case int16:
		e.int("int16", int64(x))
	case int32:
		e.int("int32", int64(x))
	case int64:
		e.int("int64", x)
	case uint:
		e.uint("uint", idUint, uint64(x))
	case uint8:
		e.uint("uint8", idUint, uint64(x))
	case uint16:
		e.uint("uint16", idUint, uint64(x))
	case uint32:
		e.uint("uint32", idUint, uint64(x))
	case uint64:
		e.uint("uint64", idUint, x)
	case float32:
		e.uint("float32", idFloat, floatBits(math.Float64bits(float64(x))))
	case float64:
		e.uint("float64", idFloat, floatBits(math.Float64bits(x)))
	case time.Time:
		if e.reg&(1<<kTime) == 0 {
			return false
		}
		e.head(nameTime, idTime)
		p := len(e.b)
		e.b = append(e.b, 0, 0) // byte count, singleton delta
		if !e.time(x) {
			return false
		}
		e.b[p] = byte(len(e.b) - p - 1)
		return true
	case []string:
		e.b = appendString(e.b, nameStrings)
		if e.stringsID == 0 {
			e.stringsID = e.newID()
			e.b = append(e.b, 2, 1, 2) // SliceT, CommonType, Id
			e.b = appendInt(e.b, e.stringsID)
			e.b = append(e.b, 0, 1) // end CommonType, Elem
			e.b = appendInt(e.b, idString)
			e.b = append(e.b, 0, 0) // end sliceType, wireType
			e.define()
		}
		e.b = appendInt(e.b, e.stringsID)
		e.open()
		e.b = append(e.b, 0)
		e.b = appendUint(e.b, uint64(len(x)))
		for _, s := range x {
			e.b = appendString(e.b, s)
		}
		e.close()
		return true
	case map[string]string:
		if e.reg&(1<<kMapString) == 0 {
			return false
		}
		e.b = appendString(e.b, nameMapString)
		if e.mapStringID == 0 {
			e.mapStringID = e.newID()
			e.b = append(e.b, 4, 1, 2) // MapT, CommonType, Id
			e.b = appendInt(e.b, e.mapStringID)
			e.b = append(e.b, 0, 1) // end CommonType, Key
			e.b = appendInt(e.b, idString)
			e.b = append(e.b, 1) // Elem
			e.b = appendInt(e.b, idString)
			e.b = append(e.b, 0, 0) // end mapType, wireType
			e.define()
		}
		e.b = appendInt(e.b, e.mapStringID)
		e.open()
		e.b = append(e.b, 0)
		e.b = appendUint(e.b, uint64(len(x)))
		for k, s := range x {
			e.b = appendString(e.b, k)
			e.b = appendString(e.b, s)
		}
		e.close()
		return true
	case map[string]any:
		if e.reg&(1<<kMapAny) == 0 || depth >= maxDepth {
			return false
		}
		e.head(nameMapAny, idMapAny)
		e.open()
		e.b = append(e.b, 0)
		if !e.mapAny(x, depth+1) {
			return false
		}
		e.close()
		return true
	default:
		return false
	}
	return true
}

// newID returns the id for the next type defined in the stream and appends
// the start of its definition message.
func (e *encoder) newID() int64 {
	id := e.nextID
	e.nextID++
	e.b = appendInt(e.b, -id)
	return id
}

// int appends a signed integer as an interface value.
func (e *encoder) int(name string, x int64) {
	e.head(name, idInt)
	p := len(e.b)
	e.b = append(e.b, 0, 0) // byte count, singleton delta
	e.b = appendInt(e.b, x)
	e.b[p] = byte(len(e.b) - p - 1)
}

// uint appends an unsigned integer, or a float's bits, as an interface
// value.
func (e *encoder) uint(name string, id int64, x uint64) {
	e.head(name, id)
	p := len(e.b)
	e.b = append(e.b, 0, 0)
	e.b = appendUint(e.b, x)
	e.b[p] = byte(len(e.b) - p - 1)
}

// mapAny appends the count and entries of a map[string]interface{}.
func (e *encoder) mapAny(m map[string]any, depth int) bool {
	e.b = appendUint(e.b, uint64(len(m)))
	for k, v := range m {
		e.b = appendString(e.b, k)
		if !e.iface(v, depth) {
			return false
		}
	}
	return true
}
