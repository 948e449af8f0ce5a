package gobwire

import (
	"bytes"
	"encoding/gob"
	"reflect"
	"sync"
	"time"
)

// kind is a concrete Go type that the fast path carries in interface values.
type kind uint8

const (
	kString kind = iota + 1
	kBool
	kInt
	kInt8
	kInt16
	kInt32
	kInt64
	kUint
	kUint8
	kUint16
	kUint32
	kUint64
	kFloat32
	kFloat64
	kBytes
	kTime
	kStrings
	kMapString
	kMapAny
)

// The names encoding/gob sends for interface values of these types. The
// basic types and []string are registered by encoding/gob itself; the last
// three only when the program registers them (package scs does), which
// registered checks.
const (
	nameTime      = "time.Time"
	nameStrings   = "[]string"
	nameMapString = "map[string]string"
	nameMapAny    = "map[string]interface {}"
)

// kindOf returns the kind registered under the interface type name, as this
// process's encoding/gob would resolve it, or 0 if the fast path does not
// handle the name.
func kindOf(name []byte) kind {
	var k kind
	switch string(name) {
	case "string":
		return kString
	case "bool":
		return kBool
	case "int":
		return kInt
	case "int8":
		return kInt8
	case "int16":
		return kInt16
	case "int32":
		return kInt32
	case "int64":
		return kInt64
	case "uint":
		return kUint
	case "uint8":
		return kUint8
	case "uint16":
		return kUint16
	case "uint32":
		return kUint32
	case "uint64":
		return kUint64
	case "float32":
		return kFloat32
	case "float64":
		return kFloat64
	case "[]uint8":
		return kBytes
	case nameStrings:
		return kStrings
	case nameTime:
		k = kTime
	case nameMapString:
		k = kMapString
	case nameMapAny:
		k = kMapAny
	default:
		return 0
	}
	if registered()&(1<<k) == 0 {
		return 0
	}
	return k
}

// registered reports, as a bit set indexed by kind, which of kTime,
// kMapString and kMapAny encoding/gob maps to and from their default names in
// this process. It is computed on first use and then fixed: registrations
// only ever get added, so a type found registered stays registered, and one
// registered later merely keeps going through encoding/gob.
var registered = sync.OnceValue(func() uint32 {
	// Let encoding/gob build its description of the session struct before
	// the probes build those of its field types: as in a process where SCS
	// encodes first, the map type is then named as a field type is, and
	// encoding/gob's payloads stay the same size as ours.
	var buf bytes.Buffer
	_ = gob.NewEncoder(&buf).Encode(&struct {
		Deadline time.Time
		Values   map[string]interface{}
	}{})
	var set uint32
	if probe(time.Time{}, nameTime) {
		set |= 1 << kTime
	}
	if probe(map[string]string{}, nameMapString) {
		set |= 1 << kMapString
	}
	if probe(map[string]interface{}{}, nameMapAny) {
		set |= 1 << kMapAny
	}
	return set
})

// probe reports whether encoding/gob sends an interface holding v under name
// and decodes that name back to v's type (not, say, to a pointer to it).
func probe(v any, name string) bool {
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(&v) != nil {
		return false // not registered
	}
	// The stream is [length][id of interface{}][0][name]... as a message.
	d := decoder{b: buf.Bytes()}
	if !d.nextMessage() {
		return false
	}
	if id, ok := d.uint(); !ok || toInt(id) != idInterface {
		return false
	}
	if delta, ok := d.uint(); !ok || delta != 0 {
		return false
	}
	n, ok := d.length()
	if !ok || string(d.b[d.pos:d.pos+n]) != name {
		return false
	}
	var out any
	if gob.NewDecoder(bytes.NewReader(buf.Bytes())).Decode(&out) != nil {
		return false
	}
	return reflect.TypeOf(out) == reflect.TypeOf(v)
}
