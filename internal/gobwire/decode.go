package gobwire

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"time"
)

// Decode parses a payload in the format AppendEncode writes, as written by
// any encoding/gob encoder in any process, and returns the deadline and
// values that encoding/gob would decode into
//
//	struct {
//		Deadline time.Time
//		Values   map[string]interface{}
//	}
//
// and true. It reads type definitions from the stream, so type ids may be any
// that encoding/gob assigns. It reports false, with zero results, when b is
// malformed or holds anything it does not handle exactly as encoding/gob does
// (see AppendEncode for the value types): decode with encoding/gob, which
// decodes the payload or reports the error.
//
// Decode does not retain b. It allocates memory in proportion to len(b) at
// most, whatever lengths b declares.
func Decode(b []byte) (deadline time.Time, values map[string]any, ok bool) {
	d := decoder{b: b}
	return d.decode()
}

// ErrUnhandled is returned by DecodeChecked when the payload may be well
// formed but holds something Decode does not handle (a custom value type,
// an unusual type definition): decode it with encoding/gob.
var ErrUnhandled = errors.New("gobwire: payload not handled by the fast path")

// MalformedError is returned by DecodeChecked when the payload cannot be a
// gob stream: it ends early, or a count or length claims more than the bytes
// that follow could hold. encoding/gob would fail on it too, possibly only
// after allocating memory for what the count claims, so it must not be
// handed to encoding/gob.
type MalformedError struct {
	What  string // what was malformed, such as "map count"
	Claim uint64 // the count or length claimed, where one was
	Pos   int    // the offset in the payload where it was read
}

// Error describes the malformation.
func (e *MalformedError) Error() string {
	if e.Claim != 0 {
		return fmt.Sprintf("gobwire: malformed payload: %s %d at offset %d exceeds the bytes left", e.What, e.Claim, e.Pos)
	}
	return fmt.Sprintf("gobwire: malformed payload: %s at offset %d", e.What, e.Pos)
}

// DecodeChecked is Decode that tells a payload it does not handle
// (ErrUnhandled: fall back to encoding/gob) from one that is malformed (a
// *MalformedError: report it). Like Decode, it allocates memory in
// proportion to len(b) at most.
func DecodeChecked(b []byte) (deadline time.Time, values map[string]any, err error) {
	d := decoder{b: b}
	deadline, values, ok := d.decode()
	switch {
	case ok:
		return deadline, values, nil
	case d.err != nil:
		return time.Time{}, nil, d.err
	}
	return time.Time{}, nil, ErrUnhandled
}

// decode is Decode.
func (d *decoder) decode() (deadline time.Time, values map[string]any, ok bool) {
	b := d.b
	if bytes.HasPrefix(b, header) {
		// The usual start: skip parsing the definitions it holds.
		d.pos, d.end = len(header), len(header)
		d.ndef = copy(d.defs[:], headerDefs)
	}
	id, ok := d.typeSequence(false)
	if !ok {
		return time.Time{}, nil, false
	}
	s := d.def(id)
	if s == nil || s.kind != defStruct {
		return time.Time{}, nil, false
	}
	// encoding/gob checks every field of the sent struct against the
	// receiving one before it reads any value, with the types defined so far.
	for _, f := range s.fields[:s.nfield] {
		t := d.def(f.id)
		if t == nil {
			return time.Time{}, nil, false
		}
		if f.deadline {
			if t.kind != defGobEncoder {
				return time.Time{}, nil, false
			}
		} else if t.kind != defMap || t.key != idString || t.elem != idInterface {
			return time.Time{}, nil, false
		}
	}
	// The struct ends with a zero delta or, as encoding/gob allows, with the
	// message.
	field := -1
	for d.pos < d.end {
		delta, ok := d.uint()
		if !ok {
			return time.Time{}, nil, false
		}
		if delta == 0 {
			break
		}
		if delta > uint64(s.nfield-1-field) {
			return time.Time{}, nil, false
		}
		field += int(delta)
		if s.fields[field].deadline {
			ok = d.time(&deadline)
		} else {
			values, ok = d.mapAny(1)
		}
		if !ok {
			return time.Time{}, nil, false
		}
	}
	return deadline, values, true
}

// headerDefs holds the definitions in header.
var headerDefs = func() []def {
	d := decoder{b: header}
	for d.pos < len(d.b) {
		d.nextMessage()
		id, _ := d.int()
		if !d.readDef(int32(-id)) {
			panic("gobwire: bad header")
		}
	}
	return d.defs[:d.ndef]
}()

// maxDefs bounds the type definitions a stream may hold for Decode. A payload
// of the handled types needs five.
const maxDefs = 16

// Kinds of type definitions Decode accepts, numbered by the field delta that
// selects the wireType field holding each (the field's index plus one).
const (
	defSlice      = 2 // wireType.SliceT
	defStruct     = 3 // wireType.StructT
	defMap        = 4 // wireType.MapT
	defGobEncoder = 5 // wireType.GobEncoderT
)

// def is a type definition received in the stream.
type def struct {
	id        int32
	kind      uint8 // defSlice ...
	key, elem int32 // map key, map or slice element
	// The fields of a struct, in wire order; only the session struct's
	// Deadline and Values are accepted.
	nfield int
	fields [2]struct {
		deadline bool // else Values
		id       int32
	}
}

// decoder holds the state of one Decode call.
type decoder struct {
	b    []byte
	pos  int // read offset in b
	end  int // end of the current message in b
	defs [maxDefs]def
	ndef int
	err  *MalformedError // the first malformation found, if any

	// s is b as a string, made at the first string read from a payload
	// of at most sharedStringMax bytes: the strings read from it are its
	// substrings, one allocation for all of them. Larger payloads copy
	// each string, so that a string kept by the application does not
	// keep a large payload alive.
	s string
}

// sharedStringMax is the largest payload whose strings share one copy of
// it (see decoder.s).
const sharedStringMax = 4 << 10

// malformed records that the payload is malformed at d.pos and returns
// false.
func (d *decoder) malformed(what string, claim uint64) bool {
	if d.err == nil {
		d.err = &MalformedError{What: what, Claim: claim, Pos: d.pos}
	}
	return false
}

// uint reads an unsigned integer from the current message.
func (d *decoder) uint() (uint64, bool) {
	if d.pos >= d.end {
		return 0, d.malformed("integer past the end of a message", 0)
	}
	c := d.b[d.pos]
	if c < 0x80 {
		d.pos++
		return uint64(c), true
	}
	n := -int(int8(c)) // the byte count, negated
	if n > 8 {
		return 0, d.malformed("integer of more than 8 bytes", 0)
	}
	if n > d.end-d.pos-1 {
		return 0, d.malformed("integer past the end of a message", 0)
	}
	var x uint64
	for _, c := range d.b[d.pos+1 : d.pos+1+n] {
		x = x<<8 | uint64(c)
	}
	d.pos += 1 + n
	return x, true
}

// int reads a signed integer from the current message.
func (d *decoder) int() (int64, bool) {
	x, ok := d.uint()
	return toInt(x), ok
}

// int32 reads a signed integer that must fit in an int32, as type ids do.
func (d *decoder) int32() (int32, bool) {
	i, ok := d.int()
	if !ok || i < math.MinInt32 || i > math.MaxInt32 {
		return 0, false
	}
	return int32(i), true
}

// length reads the length of a string or byte slice that follows in the
// current message.
func (d *decoder) length() (int, bool) {
	n, ok := d.uint()
	if !ok {
		return 0, false
	}
	if n > uint64(d.end-d.pos) {
		return 0, d.malformed("length", n)
	}
	return int(n), true
}

// string reads a string.
func (d *decoder) string() (string, bool) {
	n, ok := d.length()
	if !ok {
		return "", false
	}
	var s string
	switch {
	case n == 0:
	case len(d.b) <= sharedStringMax:
		if d.s == "" {
			d.s = string(d.b)
		}
		s = d.s[d.pos : d.pos+n]
	default:
		s = string(d.b[d.pos : d.pos+n])
	}
	d.pos += n
	return s, true
}

// time reads a time.Time, sent as a GobEncoder.
func (d *decoder) time(t *time.Time) bool {
	n, ok := d.length()
	if !ok || t.UnmarshalBinary(d.b[d.pos:d.pos+n]) != nil {
		return false
	}
	d.pos += n
	return true
}

// nextMessage starts reading the next message of the stream, which begins at
// d.pos.
func (d *decoder) nextMessage() bool {
	d.end = len(d.b)
	n, ok := d.uint()
	if !ok {
		return false
	}
	if n > uint64(d.end-d.pos) {
		return d.malformed("message length", n)
	}
	d.end = d.pos + int(n)
	return true
}

// def returns the definition of the type id, or nil.
func (d *decoder) def(id int32) *def {
	for i := range d.defs[:d.ndef] {
		if d.defs[i].id == id {
			return &d.defs[i]
		}
	}
	return nil
}

// typeSequence reads type definitions up to the id of a value, which it
// returns, as encoding/gob's Decoder.decodeTypeSequence does: a definition
// at the end of a message is followed by another message; inside an
// interface value a definition may also be followed by a byte count, which
// encoding/gob skips unread, in the same message.
func (d *decoder) typeSequence(inInterface bool) (int32, bool) {
	for {
		if d.pos == d.end && !d.nextMessage() {
			return 0, false
		}
		id, ok := d.int()
		if !ok || id > math.MaxInt32 || id < -math.MaxInt32 {
			return 0, false
		}
		if id >= 0 {
			return int32(id), true
		}
		if !d.readDef(int32(-id)) {
			// encoding/gob reads type definitions more leniently (a
			// definition may end with its message) and bounds what it
			// allocates for them: leave a definition Decode cannot read
			// to it.
			d.err = nil
			return 0, false
		}
		if d.pos < d.end {
			if !inInterface {
				return 0, false
			}
			if _, ok := d.uint(); !ok {
				return 0, false
			}
		}
	}
}

// readDef reads the wireType that defines type id. It accepts only what
// Decode can use, and only with explicit struct terminators.
func (d *decoder) readDef(id int32) bool {
	if id < firstUserID || d.def(id) != nil || d.ndef == maxDefs {
		return false // encoding/gob rejects the first two as well
	}
	t := def{id: id}
	k, ok := d.uint() // the delta of the one wireType field that is set
	if !ok || k < defSlice || k > defGobEncoder {
		return false
	}
	t.kind = uint8(k)
	last := 0 // the last field number of the kind's struct
	switch t.kind {
	case defSlice, defStruct: // {CommonType; Elem typeId} {CommonType; Field []fieldType}
		last = 1
	case defMap: // {CommonType; Key, Elem typeId}
		last = 2
	}
	for f := -1; ; {
		delta, ok := d.uint()
		if !ok || delta > uint64(last-f) {
			return false
		}
		if delta == 0 {
			break
		}
		f += int(delta)
		switch {
		case f == 0:
			ok = d.commonType()
		case t.kind == defStruct:
			ok = d.structFields(&t)
		case t.kind == defMap && f == 1:
			t.key, ok = d.int32()
		default: // a slice's or map's Elem
			t.elem, ok = d.int32()
		}
		if !ok {
			return false
		}
	}
	if end, ok := d.uint(); !ok || end != 0 { // end of wireType
		return false
	}
	d.defs[d.ndef] = t
	d.ndef++
	return true
}

// commonType reads a CommonType {Name string; Id typeId}; neither matters to
// decoding.
func (d *decoder) commonType() bool {
	for f := -1; ; {
		delta, ok := d.uint()
		if !ok || delta > uint64(1-f) {
			return false
		}
		if delta == 0 {
			return true
		}
		f += int(delta)
		if f == 0 {
			var n int
			if n, ok = d.length(); ok {
				d.pos += n
			}
		} else {
			_, ok = d.int32()
		}
		if !ok {
			return false
		}
	}
}

// structFields reads a struct's []fieldType{Name string; Id typeId}, which
// must name Deadline and Values at most once each.
func (d *decoder) structFields(t *def) bool {
	n, ok := d.uint()
	if !ok || n > uint64(len(t.fields)) {
		return false
	}
	t.nfield = int(n)
	seen := [2]bool{}
	for i := range t.fields[:n] {
		var name []byte
		var id int32
		for f := -1; ; {
			delta, ok := d.uint()
			if !ok || delta > uint64(1-f) {
				return false
			}
			if delta == 0 {
				break
			}
			f += int(delta)
			if f == 0 {
				var n int
				if n, ok = d.length(); ok {
					name = d.b[d.pos : d.pos+n]
					d.pos += n
				}
			} else {
				id, ok = d.int32()
			}
			if !ok {
				return false
			}
		}
		var which int
		switch string(name) {
		case "Deadline":
			which = 0
		case "Values":
			which = 1
		default:
			return false // encoding/gob would skip other fields; we leave it to it
		}
		if seen[which] {
			return false
		}
		seen[which] = true
		t.fields[i].deadline = which == 0
		t.fields[i].id = id
	}
	return true
}

// compatible reports whether encoding/gob decodes a value of type id into the
// Go type of kind k.
func (d *decoder) compatible(k kind, id int32) bool {
	switch k {
	case kString:
		return id == idString
	case kBool:
		return id == idBool
	case kInt, kInt8, kInt16, kInt32, kInt64:
		return id == idInt
	case kUint, kUint8, kUint16, kUint32, kUint64:
		return id == idUint
	case kFloat32, kFloat64:
		return id == idFloat
	case kBytes:
		return id == idBytes
	}
	t := d.def(id)
	if t == nil {
		return false
	}
	switch k {
	case kTime:
		return t.kind == defGobEncoder
	case kStrings:
		return t.kind == defSlice && t.elem == idString
	case kMapString:
		return t.kind == defMap && t.key == idString && t.elem == idString
	case kMapAny:
		return t.kind == defMap && t.key == idString && t.elem == idInterface
	}
	return false
}

// mapHint caps the initial size of decoded maps, which grow as needed.
const mapHint = 1024

// mapAny reads the count and entries of a map[string]interface{}, depth
// levels deep.
func (d *decoder) mapAny(depth int) (map[string]any, bool) {
	n, ok := d.uint()
	// Each entry takes at least two bytes, a key length and a name length,
	// though possibly from later messages. A larger count is malformed:
	// encoding/gob would make a map of that size before finding out.
	if !ok {
		return nil, false
	}
	if n > uint64(len(d.b)-d.pos)/2 {
		return nil, d.malformed("map count", n)
	}
	m := make(map[string]any, min(n, mapHint))
	for ; n > 0; n-- {
		k, ok := d.string()
		if !ok {
			return nil, false
		}
		v, ok := d.iface(depth)
		if !ok {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}

// iface reads an interface value, depth levels deep, as encoding/gob's
// Decoder.decodeInterface does.
func (d *decoder) iface(depth int) (any, bool) {
	n, ok := d.length()
	if !ok {
		return nil, false
	}
	if n == 0 {
		return nil, true
	}
	if n > 1024 { // encoding/gob's limit
		return nil, false
	}
	k := kindOf(d.b[d.pos : d.pos+n])
	d.pos += n
	if k == 0 {
		return nil, false
	}
	id, ok := d.typeSequence(true)
	if !ok {
		return nil, false
	}
	if _, ok := d.uint(); !ok { // byte count, unused
		return nil, false
	}
	if !d.compatible(k, id) {
		return nil, false
	}
	if delta, ok := d.uint(); !ok || delta != 0 { // a top-level non-struct value
		return nil, false
	}
	return d.value(k, depth)
}

// value reads a value of kind k, depth levels deep.
func (d *decoder) value(k kind, depth int) (any, bool) {
	switch k {
	case kString:
		return d.string()
	case kBool:
		x, ok := d.uint()
		return x != 0, ok
	case kInt, kInt8, kInt16, kInt32, kInt64:
		x, ok := d.int()
		if !ok {
			return nil, false
		}
		switch k {
		case kInt:
			return int(x), int64(int(x)) == x
		case kInt8:
			return int8(x), int64(int8(x)) == x
		case kInt16:
			return int16(x), int64(int16(x)) == x
		case kInt32:
			return int32(x), int64(int32(x)) == x
		}
		return x, true
	case kUint, kUint8, kUint16, kUint32, kUint64:
		x, ok := d.uint()
		if !ok {
			return nil, false
		}
		switch k {
		case kUint:
			return uint(x), uint64(uint(x)) == x
		case kUint8:
			return uint8(x), uint64(uint8(x)) == x
		case kUint16:
			return uint16(x), uint64(uint16(x)) == x
		case kUint32:
			return uint32(x), uint64(uint32(x)) == x
		}
		return x, true
	case kFloat32, kFloat64:
		x, ok := d.uint()
		if !ok {
			return nil, false
		}
		f := math.Float64frombits(bits.ReverseBytes64(x))
		if k == kFloat64 {
			return f, true
		}
		// encoding/gob rejects finite values beyond float32's range.
		if a := math.Abs(f); math.MaxFloat32 < a && a <= math.MaxFloat64 {
			return nil, false
		}
		return float32(f), true
	case kBytes:
		n, ok := d.length()
		if !ok {
			return nil, false
		}
		if n == 0 {
			return []byte(nil), true // as encoding/gob decodes it
		}
		b := make([]byte, n)
		copy(b, d.b[d.pos:])
		d.pos += n
		return b, true
	case kTime:
		var t time.Time
		if !d.time(&t) {
			return nil, false
		}
		return t, true
	case kStrings:
		n, ok := d.uint()
		// Each element takes at least a byte of this message.
		if !ok {
			return nil, false
		}
		if n > uint64(d.end-d.pos) {
			return nil, d.malformed("slice count", n)
		}
		if n == 0 {
			return []string(nil), true // as encoding/gob decodes it
		}
		s := make([]string, n)
		for i := range s {
			if s[i], ok = d.string(); !ok {
				return nil, false
			}
		}
		return s, true
	case kMapString:
		n, ok := d.uint()
		// Each entry takes at least two bytes of this message.
		if !ok {
			return nil, false
		}
		if n > uint64(d.end-d.pos)/2 {
			return nil, d.malformed("map count", n)
		}
		m := make(map[string]string, min(n, mapHint))
		for ; n > 0; n-- {
			k, ok := d.string()
			if !ok {
				return nil, false
			}
			if m[k], ok = d.string(); !ok {
				return nil, false
			}
		}
		return m, true
	case kMapAny:
		if depth >= maxDepth {
			return nil, false
		}
		return d.mapAny(depth + 1)
	}
	return nil, false
}
