package gobwire

// This file checks a payload before encoding/gob decodes it. encoding/gob
// trusts the counts it reads: it makes a map of the size a map count claims,
// allocates up to 10 MB for a slice count or a message length before it finds
// the bytes missing, and loops as many times as an ignored map claims
// entries. Check walks the whole stream as encoding/gob's Decoder would read
// it, type definitions and values at any depth, and refuses a payload in
// which any count could make encoding/gob allocate or loop beyond the bytes
// that follow.
//
// The walk follows encoding/gob's decoder (decode.go and decoder.go in its
// source) rather than its encoder: a value may span messages, because the
// type definitions an interface value needs can arrive as messages of their
// own in the middle of the enclosing value, and a struct may end with its
// message instead of a zero field delta.
//
// What encoding/gob does with a value depends on the Go type it decodes
// into. It matters in one place: a struct field that the Go struct lacks is
// skipped with ignore operations, which read an interface value differently
// (they skip the value by its byte count, and read a type id and a byte
// count even after an empty name), so that the rest of the stream may read
// differently too. The walk knows the session struct, and learns the Go
// type registered under each name an interface value carries by asking
// encoding/gob to decode a small probe (concreteType, walker.learn); it
// then follows the Go types down, and knows which fields encoding/gob
// skips. Where it cannot learn a type, a field of a struct in it is a
// choice: the first walk decodes every such field; at each, it also skips
// the field, and where the two ways end in different states and skipping
// does not fail soon after (parted), the stream is walked again with that
// field skipped, and so on for the choices after it. Every way encoding/gob
// could read the stream is walked, within a bound on the work.

import (
	"bytes"
	"encoding/gob"
	"io"
	"math"
	"reflect"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Check reports whether the gob stream b, a payload that DecodeChecked left
// to encoding/gob (ErrUnhandled), can be given to encoding/gob, which then
// allocates memory in proportion to len(b) at most: times the size of the
// largest registered Go type it decodes into, plus a fixed amount. It
// returns nil or a *MalformedError.
//
// Check refuses a payload in which a count claims more elements or bytes
// than could follow, in which decoded slices and maps hold more elements in
// all than the payload has bytes, or in which values or types nest more
// than maxNesting levels deep. It may refuse a stream that encoding/gob
// would decode but that no encoding/gob Encoder writes, and one that needs
// more work to check than workPerByte per byte (beyond a fixed allowance):
// a payload whose fields of structs whose Go type it cannot learn (those
// inside registered types that are not structs) encoding/gob could read in
// many ways. Check itself allocates memory in proportion to the type
// definitions in b; it learns the Go types of registered names by asking
// encoding/gob to decode small probes, once per name.
func Check(b []byte) error {
	w := walker{b: b, maxWork: workPerByte*len(b) + 1<<16}
	w.defs, w.fields = w.defsBuf[:0], w.fieldsBuf[:0]
	paths := [][]int{nil}
	for len(paths) > 0 {
		w.start(paths[len(paths)-1])
		paths = paths[:len(paths)-1]
		if !w.stream() && (len(w.path) == 0 || w.fault.unsafe) {
			// The first walk must succeed; the others may fail where
			// encoding/gob fails.
			f := w.fault
			return &MalformedError{What: f.what, Claim: f.claim, Pos: f.pos}
		}
		for _, c := range w.found {
			paths = append(paths, append(w.path[:len(w.path):len(w.path)], c))
		}
	}
	return nil
}

// start readies w to walk the stream again, skipping the fields of the
// choices numbered in path.
func (w *walker) start(path []int) {
	*w = walker{
		b: w.b, work: w.work, maxWork: w.maxWork, tried: w.tried, names: w.names, goFields: w.goFields,
		defs: w.defs[:0], fields: w.fields[:0], index: w.index, found: w.found[:0],
		path: path,
	}
	clear(w.index)
}

const (
	// maxNesting bounds how deeply values (structs, maps, slices, arrays
	// and interface values in one another) and type definitions may nest.
	// Each level of a map[string]interface{} in another is two.
	maxNesting = 100
	// maxReach bounds the map, slice, array and GobEncoder types that one
	// struct field's type reaches without passing through a struct:
	// encoding/gob builds the operations for those anew for each field it
	// skips.
	maxReach = 16
	// workPerByte bounds Check's work (integers read and types checked)
	// per byte of payload, beyond a fixed allowance.
	workPerByte = 16
	// tooBig is encoding/gob's limit on a message length.
	tooBig = (1 << 30) << (^uint(0) >> 62)
	// idComplex is the predefined gob type id of complex numbers.
	idComplex = 7
)

// Kinds of type definitions, numbered by the field delta that selects the
// wireType field holding each (the field's index plus one), as defSlice
// and the others in decode.go are.
const (
	wArray = 1 + iota
	wSlice
	wStruct
	wMap
	wGobEncoder
	wBinaryMarshaler
	wTextMarshaler
	// wMixed is the kind of a definition that sets more than one of
	// wireType's fields, which encoding/gob may read as any of them.
	// One that sets none has kind 0, which encoding/gob fails to use.
	wMixed = 0xff
)

// kindFields is the number of fields of the struct that defines each kind
// (arrayType, sliceType, structType, mapType, gobEncoderType).
var kindFields = [...]int{wArray: 3, wSlice: 2, wStruct: 2, wMap: 3, wGobEncoder: 1, wBinaryMarshaler: 1, wTextMarshaler: 1}

// wdef is a type definition read by the walk.
type wdef struct {
	id, key, elem int32
	kind          uint8
	visiting      bool // graph is inside this type
	checked       bool // graph has checked this type
	depth         int  // set by graph
	reach         int  // set by graph
	alen          int64
	f0, nf        int // the fields of a struct, walker.fields[f0 : f0+nf]
	start         int // the offset of the definition in the payload
}

// wfield is a field of a struct type definition.
type wfield struct {
	id         int32
	name, nend int // the name is walker.b[name:nend]
}

// mode says how encoding/gob reads a value: decoding it into a Go value, or
// skipping it with ignore operations.
type mode bool

const (
	decode mode = true
	ignore mode = false
)

// fault describes why the walk stopped.
type fault struct {
	set bool
	// unsafe is false when encoding/gob stops at this point with an
	// error, having allocated nothing the payload does not hold; true when
	// it could allocate or loop for a count, or when the walk cannot tell.
	unsafe bool
	what   string
	claim  uint64
	pos    int
}

// walker holds the state of one Check: the position in the payload and the
// end of the current message, which is encoding/gob's decoder buffer, and
// the types defined so far.
type walker struct {
	b        []byte
	pos, end int
	defs     []wdef
	fields   []wfield
	index    map[int32]int // defs by id
	depth    int
	elems    int // elements of decoded slices and maps so far
	work     int // integers read and types checked so far, on all walks
	maxWork  int // the bound on work
	// The choices (struct fields that encoding/gob may decode or skip)
	// are numbered in the order the walk meets them. path lists those
	// this walk skips, in order, of which the first skipped are done;
	// found lists those after them whose skipping this walk found to
	// need a walk of its own.
	choices int
	path    []int
	skipped int
	found   []int
	trial   int             // > 0 in a trial walk of parted
	parts   int             // choices whose ways part, so far
	tried   map[string]bool // names learn has tried on this walk
	// goFields and names are caches: the fields of Go structs by wire
	// field, and what concreteType found.
	goFields map[goField]reflect.Type
	names    map[string]concrete

	// Room for the definitions of a typical payload.
	defsBuf   [8]wdef
	fieldsBuf [16]wfield
	fault     fault
}

// stop records the first fault and returns false.
func (w *walker) stop(unsafe bool, what string, claim uint64) bool {
	if !w.fault.set {
		w.fault = fault{set: true, unsafe: unsafe, what: what, claim: claim, pos: w.pos}
	}
	return false
}

// dead stops where encoding/gob fails too.
func (w *walker) dead(what string) bool { return w.stop(false, what, 0) }

// refuse stops where encoding/gob might not fail in time.
func (w *walker) refuse(what string, claim uint64) bool { return w.stop(true, what, claim) }

// uint reads an unsigned integer from the current message, as
// decoderState.decodeUint does.
func (w *walker) uint() (uint64, bool) {
	if w.work++; w.work > w.maxWork {
		return 0, w.refuse("too much to check", 0)
	}
	if w.pos >= w.end {
		return 0, w.dead("integer past the end of a message")
	}
	c := w.b[w.pos]
	if c < 0x80 {
		w.pos++
		return uint64(c), true
	}
	n := -int(int8(c))
	if n > 8 {
		return 0, w.dead("integer of more than 8 bytes")
	}
	if n > w.end-w.pos-1 {
		return 0, w.dead("integer past the end of a message")
	}
	var x uint64
	for _, c := range w.b[w.pos+1 : w.pos+1+n] {
		x = x<<8 | uint64(c)
	}
	w.pos += 1 + n
	return x, true
}

// typeID reads a type id held in a type definition, which encoding/gob
// decodes as an int32.
func (w *walker) typeID() (int32, bool) {
	x, ok := w.uint()
	if !ok {
		return 0, false
	}
	i := toInt(x)
	if i < math.MinInt32 || i > math.MaxInt32 {
		return 0, w.dead("type id out of range")
	}
	return int32(i), true
}

// skip reads a length and skips that many bytes of the current message, as
// encoding/gob reads strings, byte slices, GobEncoder values and the values
// of ignored interfaces.
func (w *walker) skip() bool {
	n, ok := w.uint()
	if !ok {
		return false
	}
	if n > uint64(w.end-w.pos) {
		return w.stop(false, "length exceeds the bytes left", n)
	}
	w.pos += int(n)
	return true
}

// left returns the bytes left in the payload.
func (w *walker) left() uint64 { return uint64(len(w.b) - w.pos) }

// nextMessage starts the next message, as Decoder.recvMessage does when the
// current one is used up.
func (w *walker) nextMessage() bool {
	if w.pos >= len(w.b) {
		return w.dead("payload ends before a value")
	}
	w.end = len(w.b)
	n, ok := w.uint()
	if !ok {
		return false
	}
	if n >= tooBig {
		return w.dead("message length")
	}
	if n > w.left() {
		// encoding/gob allocates up to 10 MB before it reads.
		return w.refuse("message length", n)
	}
	w.end = w.pos + int(n)
	return true
}

// lookup returns the index in w.defs of the definition of id.
func (w *walker) lookup(id int32) (int, bool) {
	i, ok := w.index[id]
	return i, ok
}

// typeSequence reads type definitions up to the id of a value, as
// Decoder.decodeTypeSequence does, reading new messages as needed.
func (w *walker) typeSequence(inInterface bool) (int32, bool) {
	for {
		if w.pos == w.end && !w.nextMessage() {
			return 0, false
		}
		if w.pos == w.end {
			return 0, w.dead("empty message")
		}
		if c := w.b[w.pos]; c >= 0x80 && -int(int8(c)) > 8 {
			// encoding/gob's nextInt fails having read this byte, and
			// decodeTypeSequence returns id 0 with its error set: an
			// ignored interface value reads on (a decoded one fails).
			w.pos++
			return 0, true
		}
		x, ok := w.uint()
		if !ok {
			return 0, false
		}
		id := int32(toInt(x)) // truncated, as typeId(dec.nextInt()) is
		if id >= 0 {
			return id, true
		}
		if !w.recvType(-id) {
			return 0, false
		}
		if w.pos < w.end {
			if !inInterface {
				return 0, w.dead("extra data after a type definition")
			}
			if _, ok := w.uint(); !ok {
				return 0, false
			}
		}
	}
}

// recvType reads the wireType that defines type id, as Decoder.recvType
// does: a struct of seven pointers to structs, of which a definition sets
// one.
func (w *walker) recvType(id int32) bool {
	if id < firstUserID {
		return w.dead("type id of a definition")
	}
	if _, ok := w.lookup(id); ok {
		return w.dead("type defined twice")
	}
	d := wdef{id: id, start: w.pos, f0: len(w.fields)}
	field := -1
	for w.pos < w.end {
		delta, ok := w.uint()
		if !ok {
			return false
		}
		if delta == 0 {
			break
		}
		if delta > uint64(wTextMarshaler-1-field) {
			return w.dead("field delta in a type definition")
		}
		field += int(delta)
		k := uint8(field + 1)
		if !w.kindStruct(&d, k) {
			return false
		}
		if d.kind == 0 {
			d.kind = k
		} else {
			d.kind = wMixed
		}
	}
	if w.index == nil {
		w.index = make(map[int32]int)
	}
	w.index[id] = len(w.defs)
	w.defs = append(w.defs, d)
	return true
}

// kindStruct reads the arrayType, sliceType, structType, mapType or
// gobEncoderType of a definition. Like every struct, it ends with a zero
// field delta or with its message.
func (w *walker) kindStruct(d *wdef, kind uint8) bool {
	last := kindFields[kind] - 1
	for field := -1; w.pos < w.end; {
		delta, ok := w.uint()
		if !ok {
			return false
		}
		if delta == 0 {
			return true
		}
		if delta > uint64(last-field) {
			return w.dead("field delta in a type definition")
		}
		field += int(delta)
		switch {
		case field == 0:
			ok = w.commonType()
		case kind == wStruct:
			ok = w.structFields(d)
		case kind == wArray && field == 2:
			var x uint64
			x, ok = w.uint()
			d.alen = toInt(x)
		case kind == wMap && field == 1:
			d.key, ok = w.typeID()
		default:
			d.elem, ok = w.typeID()
		}
		if !ok {
			return false
		}
	}
	return true
}

// commonType reads a CommonType {Name string; Id typeId}.
func (w *walker) commonType() bool {
	for field := -1; w.pos < w.end; {
		delta, ok := w.uint()
		if !ok {
			return false
		}
		if delta == 0 {
			return true
		}
		if delta > uint64(1-field) {
			return w.dead("field delta in a type definition")
		}
		field += int(delta)
		if field == 0 {
			ok = w.skip()
		} else {
			_, ok = w.typeID()
		}
		if !ok {
			return false
		}
	}
	return true
}

// structFields reads a struct type's []fieldType{Name string; Id typeId}.
func (w *walker) structFields(d *wdef) bool {
	n, ok := w.uint()
	if !ok {
		return false
	}
	// Each field takes at least a byte of this message; encoding/gob
	// allocates up to 10 MB for the count before it finds out.
	if n > uint64(w.end-w.pos) {
		return w.refuse("struct field count", n)
	}
	d.f0, d.nf = len(w.fields), int(n)
	for range n {
		if w.pos == w.end {
			return w.dead("struct fields past the end of a message")
		}
		f := wfield{}
		for field := -1; w.pos < w.end; {
			delta, ok := w.uint()
			if !ok {
				return false
			}
			if delta == 0 {
				break
			}
			if delta > uint64(1-field) {
				return w.dead("field delta in a type definition")
			}
			field += int(delta)
			if field == 0 {
				n, ok := w.uint()
				if !ok {
					return false
				}
				if n > uint64(w.end-w.pos) {
					return w.stop(false, "length exceeds the bytes left", n)
				}
				f.name, f.nend = w.pos, w.pos+int(n)
				w.pos = f.nend
			} else if f.id, ok = w.typeID(); !ok {
				return false
			}
		}
		w.fields = append(w.fields, f)
	}
	return true
}

// use checks the types that encoding/gob compiles decoding operations for
// when it decodes a value of type id: every type it reaches.
func (w *walker) use(id int32) bool {
	_, _, ok := w.graph(id, 0)
	return ok
}

// graph checks type id and the types it reaches, and returns its depth (the
// longest chain of types in types) and its reach (the map, slice, array and
// GobEncoder types reached without passing through a struct, counting shared
// ones as often as they are reached).
func (w *walker) graph(id int32, level int) (depth, reach int, ok bool) {
	switch {
	case id >= idBool && id <= idInterface:
		return 0, 0, true
	case id < firstUserID:
		// Ids below 64 other than the basic types are encoding/gob's
		// own; it decodes values of its own struct types into Go
		// structs, which no encoder sends.
		return 0, 0, w.refuse("reserved type id", uint64(uint32(id)))
	}
	i, found := w.lookup(id)
	if !found {
		return 0, 0, w.dead("undefined type")
	}
	if w.work++; w.work > w.maxWork {
		return 0, 0, w.refuse("too much to check", 0)
	}
	d := &w.defs[i]
	if d.checked {
		return d.depth, d.reach, true
	}
	if d.visiting { // a recursive type
		return 0, 0, true
	}
	if level >= maxNesting {
		return 0, 0, w.refuse("types nested too deeply", 0)
	}
	switch d.kind {
	case 0:
		return 0, 0, w.dead("type of no kind")
	case wMixed:
		return 0, 0, w.refuse("type of two kinds", 0)
	}
	d.visiting = true
	depth, reach, ok = w.graphOf(d, level)
	d = &w.defs[i]
	d.visiting = false
	if !ok {
		return 0, 0, false
	}
	if d.kind != wStruct {
		reach = min(reach+1, maxReach+1)
	}
	if depth++; depth > maxNesting {
		return 0, 0, w.refuse("types nested too deeply", 0)
	}
	if reach > maxReach {
		return 0, 0, w.refuse("type reaches too many types", 0)
	}
	if w.trial == 0 {
		// A trial's types may differ from this walk's.
		d.checked, d.depth, d.reach = true, depth, reach
	}
	return depth, reach, true
}

// graphOf checks the types d refers to, for graph.
func (w *walker) graphOf(d *wdef, level int) (depth, reach int, ok bool) {
	switch d.kind {
	case wArray, wSlice:
		if d.kind == wArray && d.alen < 0 {
			return 0, 0, w.refuse("negative array length", 0)
		}
		return w.graph(d.elem, level+1)
	case wMap:
		elem := d.elem
		kd, kr, ok := w.graph(d.key, level+1)
		if !ok {
			return 0, 0, false
		}
		ed, er, ok := w.graph(elem, level+1)
		return max(kd, ed), kr + er, ok
	case wStruct:
		f0, nf := d.f0, d.nf
		for _, f := range w.fields[f0 : f0+nf] {
			fd, _, ok := w.graph(f.id, level+1)
			if !ok {
				return 0, 0, false
			}
			depth = max(depth, fd)
		}
		return depth, 0, true
	}
	return 0, 0, true // GobEncoder, BinaryMarshaler, TextMarshaler
}

// stream walks the payload: type definitions, then one value of the
// session struct.
func (w *walker) stream() bool {
	id, ok := w.typeSequence(false)
	if !ok {
		return false
	}
	i, found := w.lookup(id)
	if !found || w.defs[i].kind != wStruct {
		return w.dead("the value is not a struct")
	}
	if !w.use(id) {
		return false
	}
	d := w.defs[i]
	return w.structValue(&d, decode, sessionType)
}

// sessionType is the Go type of the value scs decodes.
var sessionType = reflect.TypeFor[struct {
	Deadline time.Time
	Values   map[string]interface{}
}]()

// enter goes one level deeper into a value.
func (w *walker) enter() bool {
	if w.depth >= maxNesting {
		return w.refuse("values nested too deeply", 0)
	}
	w.depth++
	return true
}

// value walks a value of type id read in mode m; decoded, into a Go value
// of type gt, if known (nil if not).
func (w *walker) value(id int32, m mode, gt reflect.Type) bool {
	switch id {
	case idBool, idInt, idUint, idFloat:
		_, ok := w.uint()
		return ok
	case idComplex:
		if _, ok := w.uint(); !ok {
			return false
		}
		_, ok := w.uint()
		return ok
	case idBytes, idString:
		return w.skip()
	case idInterface:
		return w.iface(m)
	}
	gt = base(gt)
	i, found := w.lookup(id)
	if !found {
		return w.dead("undefined type")
	}
	d := w.defs[i] // a copy: w.defs may grow meanwhile
	if !w.enter() {
		return false
	}
	var ok bool
	switch d.kind {
	case wArray:
		ok = w.array(&d, m, elemOf(gt, reflect.Array))
	case wSlice:
		ok = w.slice(&d, m, elemOf(gt, reflect.Slice))
	case wMap:
		var kt reflect.Type
		if gt != nil && gt.Kind() == reflect.Map {
			kt = gt.Key()
		}
		ok = w.mapValue(&d, m, kt, elemOf(gt, reflect.Map))
	case wStruct:
		if gt != nil && gt.Kind() != reflect.Struct {
			gt = nil // encoding/gob fails; walk on
		}
		ok = w.structValue(&d, m, gt)
	case wGobEncoder, wBinaryMarshaler, wTextMarshaler:
		ok = w.skip()
	default: // checked by graph
		ok = w.refuse("type of no or two kinds", 0)
	}
	w.depth--
	return ok
}

// count reads the count of a decoded slice or map's elements and adds it to
// the elements so far, which must not exceed the payload's bytes: each
// element of an encoded slice or map takes a byte or more.
func (w *walker) count(m mode, what string) (uint64, bool) {
	n, ok := w.uint()
	if !ok {
		return 0, false
	}
	if n > w.left() {
		if m == ignore && what != "map count" {
			// ignoreSlice allocates nothing, and fails at the end of
			// the message.
			return 0, w.dead(what)
		}
		return 0, w.refuse(what, n)
	}
	if m == decode {
		if w.elems += int(n); w.elems > len(w.b) {
			return 0, w.refuse("elements in all", uint64(w.elems))
		}
	}
	return n, true
}

// isStruct reports whether id is a struct type.
func (w *walker) isStruct(id int32) bool {
	i, ok := w.lookup(id)
	return ok && w.defs[i].kind == wStruct
}

// array walks an array value, as decodeArray and ignoreArray do.
func (w *walker) array(d *wdef, m mode, et reflect.Type) bool {
	n, ok := w.uint()
	if !ok {
		return false
	}
	if n != uint64(d.alen) {
		return w.dead("array length")
	}
	for range n {
		if w.pos == w.end {
			return w.dead("array past the end of a message")
		}
		if !w.value(d.elem, m, et) {
			return false
		}
	}
	return true
}

// slice walks a slice value, as decodeSlice and ignoreSlice do.
func (w *walker) slice(d *wdef, m mode, et reflect.Type) bool {
	n, ok := w.count(m, "slice count")
	if !ok {
		return false
	}
	for range n {
		if w.pos == w.end {
			return w.dead("slice past the end of a message")
		}
		if !w.value(d.elem, m, et) {
			return false
		}
	}
	return true
}

// mapValue walks a map value, as decodeMap and ignoreMap do. An entry of
// struct key and value at the end of a message takes no bytes at all.
func (w *walker) mapValue(d *wdef, m mode, kt, et reflect.Type) bool {
	what := "map count"
	if m == ignore && !(w.isStruct(d.key) && w.isStruct(d.elem)) {
		// ignoreMap allocates nothing, and fails at the end of the
		// message unless its entries may take no bytes.
		what = "ignored map count"
	}
	n, ok := w.count(m, what)
	if !ok {
		return false
	}
	for range n {
		if !w.value(d.key, m, kt) || !w.value(d.elem, m, et) {
			return false
		}
	}
	return true
}

// structValue walks a struct value, as decodeStruct and ignoreStruct do:
// it ends with a zero field delta or with the message. Decoded into a known
// Go struct type gt, a field is decoded if gt has an exported field of its
// name, and skipped otherwise; decoded into a struct of unknown type, it is
// a choice (see either).
func (w *walker) structValue(d *wdef, m mode, gt reflect.Type) bool {
	return w.structValueFrom(d, m, gt, -1)
}

// structValueFrom walks the rest of a struct value after field number
// field.
func (w *walker) structValueFrom(d *wdef, m mode, gt reflect.Type, field int) bool {
	for w.pos < w.end {
		delta, ok := w.uint()
		if !ok {
			return false
		}
		if delta == 0 {
			return true
		}
		if delta > uint64(d.nf-1-field) {
			return w.dead("field delta")
		}
		field += int(delta)
		f := w.fields[d.f0+field]
		switch {
		case m == ignore:
			ok = w.value(f.id, ignore, nil)
		case gt != nil:
			if ft := w.field(gt, d.f0+field); ft != nil {
				ok = w.value(f.id, decode, ft)
			} else {
				ok = w.value(f.id, ignore, nil)
			}
		default:
			ok = w.either(d, field, f.id)
		}
		if !ok {
			return false
		}
	}
	return true
}

// A goField is a wire struct field, by the offsets of its name in the
// payload, of a struct decoded into Go type t.
type goField struct {
	t         reflect.Type
	name, end int
}

// field returns the type of the field of the Go struct gt that encoding/gob
// decodes the wire field w.fields[f] into, or nil if it skips the field.
func (w *walker) field(gt reflect.Type, f int) reflect.Type {
	k := goField{gt, w.fields[f].name, w.fields[f].nend}
	if t, ok := w.goFields[k]; ok {
		return t
	}
	var t reflect.Type
	name := string(w.b[k.name:k.end])
	if sf, found := gt.FieldByName(name); found && exported(name) {
		t = sf.Type
	}
	if w.goFields == nil {
		w.goFields = make(map[goField]reflect.Type)
	}
	w.goFields[k] = t
	return t
}

// exported reports whether a field name is exported, as encoding/gob's
// isExported does.
func exported(name string) bool {
	r, _ := utf8.DecodeRuneInString(name)
	return unicode.IsUpper(r)
}

// base returns t without its pointers, as encoding/gob decodes through
// them, or nil if t is nil or a pointer to itself.
func base(t reflect.Type) reflect.Type {
	for range 16 {
		if t == nil || t.Kind() != reflect.Pointer {
			return t
		}
		t = t.Elem()
	}
	return nil
}

// elemOf returns the element type of t if t is of kind k, or nil.
func elemOf(t reflect.Type, k reflect.Kind) reflect.Type {
	if t == nil || t.Kind() != k {
		return nil
	}
	return t.Elem()
}

// either walks a field of a decoded struct, which encoding/gob decodes if
// the Go struct has a field of its name and skips otherwise: a choice. It
// skips the field if the walk is to, and otherwise decodes it, then skips
// it from the same start; if skipping does not fail and ends in another
// state (position, message, types defined), the choice is found to need a
// walk of its own.
func (w *walker) either(d *wdef, field int, id int32) bool {
	c := w.choices
	w.choices++
	if w.skipped < len(w.path) && w.path[w.skipped] == c {
		w.skipped++
		return w.value(id, ignore, nil)
	}
	pos, end, depth := w.pos, w.end, w.depth
	ndefs := len(w.defs)

	// Decode the field, then hide the types that defined.
	if !w.value(id, decode, nil) {
		if !w.fault.unsafe {
			// Skipping may not fail: it needs a walk of its own.
			w.part(c)
		}
		return false
	}
	dpos, dend, dfields, ddefs, delems := w.pos, w.end, len(w.fields), len(w.defs), w.elems
	for _, t := range w.defs[ndefs:] {
		delete(w.index, t.id)
	}

	// Skip it.
	w.pos, w.end = pos, end
	skipped := w.value(id, ignore, nil)
	if !skipped {
		if w.fault.unsafe {
			return false
		}
		w.fault = fault{} // encoding/gob fails this way
	}
	same := skipped && w.pos == dpos && w.end == dend && len(w.defs)-ddefs == ddefs-ndefs
	for i, t := range w.defs[ddefs:] {
		same = same && t.id == w.defs[ndefs+i].id && t.start == w.defs[ndefs+i].start
	}
	if skipped && !same && !w.parted(d, field) {
		return false
	}

	// Back to the state after decoding.
	for _, t := range w.defs[ddefs:] {
		delete(w.index, t.id)
	}
	w.defs, w.fields = w.defs[:ddefs], w.fields[:dfields]
	for i := ndefs; i < ddefs; i++ {
		w.index[w.defs[i].id] = i
	}
	w.pos, w.end, w.depth, w.elems = dpos, dend, depth, delems
	return true
}

// parted handles a choice whose ways part, with the walk where skipping
// the field ends: it walks the rest of the struct from there, as a trial
// (with the choices in it decoded), and finds the choice to need a walk of
// its own unless the trial fails where encoding/gob fails without having
// met a choice whose ways part. It reports false if the trial finds what
// encoding/gob cannot be given.
func (w *walker) parted(d *wdef, field int) bool {
	choices, found, parts := w.choices, len(w.found), w.parts
	w.trial++
	ok := w.structValueFrom(d, decode, nil, field)
	w.trial--
	w.choices, w.found = choices, w.found[:found]
	conclusive := w.parts == parts
	if !ok {
		if w.fault.unsafe {
			return false
		}
		w.fault = fault{}
		if conclusive {
			return true
		}
	}
	w.part(choices - 1)
	return true
}

// part finds choice c to need a walk of its own, unless this is a trial.
func (w *walker) part(c int) {
	w.parts++
	// A choice before the last skipped on this walk was made on the walk
	// that found that one, with the same result.
	if w.trial == 0 && (len(w.path) == 0 || c > w.path[len(w.path)-1]) {
		w.found = append(w.found, c)
	}
}

// iface walks an interface value, as Decoder.decodeInterface and
// Decoder.ignoreInterface do: the name of the concrete type, type
// definitions, the type id, a byte count and the value, which
// decodeInterface reads as a top-level value and ignoreInterface skips by
// its byte count. ignoreInterface reads all of these even after an empty
// name.
func (w *walker) iface(m mode) bool {
	if !w.enter() {
		return false
	}
	ok := w.ifaceValue(m)
	w.depth--
	return ok
}

// ifaceValue is iface.
func (w *walker) ifaceValue(m mode) bool {
	if m == ignore {
		if !w.skip() {
			return false
		}
		if _, ok := w.typeSequence(true); !ok {
			return false
		}
		return w.skip()
	}
	n, ok := w.uint()
	if !ok {
		return false
	}
	if n > uint64(w.end-w.pos) {
		return w.stop(false, "interface type name length", n)
	}
	if n == 0 {
		return true // nil
	}
	if n > 1024 {
		return w.dead("interface type name too long")
	}
	name := w.b[w.pos : w.pos+int(n)]
	c, ok := w.names[string(name)]
	if !ok {
		c.t, ok = concreteType(name)
		if ok {
			if w.names == nil {
				w.names = make(map[string]concrete)
			}
			w.names[string(name)] = c
		}
	}
	gt := c.t
	if !ok {
		return w.dead("interface type name not registered")
	}
	w.pos += int(n)
	id, ok := w.typeSequence(true)
	if !ok {
		return false
	}
	if id == 0 {
		return w.dead("bad type id")
	}
	if _, ok := w.uint(); !ok { // the byte count, unused
		return false
	}
	if !w.use(id) {
		return false
	}
	if i, found := w.lookup(id); found && w.defs[i].kind == wStruct {
		d := w.defs[i]
		return w.structValue(&d, decode, gt)
	}
	if gt == nil {
		gt = w.learn(name, id)
	}
	// A top-level non-struct value: a zero field delta, then the value.
	if delta, ok := w.uint(); !ok || delta != 0 {
		return w.dead("non-zero delta before an interface's value")
	}
	return w.value(id, decode, gt)
}

// A concrete is what concreteType or walker.learn found out about a
// registered name.
type concrete struct {
	t reflect.Type // the type without pointers, or nil if unknown
}

// concreteTypes holds, by name, what concreteType found out about names
// registered with encoding/gob.
var concreteTypes sync.Map // string to concrete

// concreteType reports whether a concrete type is registered with
// encoding/gob under name, and returns it (without pointers) if it is a
// struct type. It asks encoding/gob to decode an interface value of that
// name holding a struct of no fields, which encoding/gob decodes into a Go
// struct; for other types, it asks it to decode an interface value whose
// stream ends after the name, which encoding/gob fails to do with io.EOF
// only if it has found the name. Registrations are never undone, so what it
// finds for a registered name is remembered.
func concreteType(name []byte) (reflect.Type, bool) {
	if len(name) == 0 {
		return nil, false
	}
	if c, ok := concreteTypes.Load(string(name)); ok {
		return c.(concrete).t, true
	}
	var t reflect.Type
	var v any
	if err := gob.NewDecoder(bytes.NewReader(probeStream(name, true))).Decode(&v); err == nil {
		t = base(reflect.TypeOf(v))
		if t != nil && t.Kind() != reflect.Struct {
			t = nil
		}
	} else if err = gob.NewDecoder(bytes.NewReader(probeStream(name, false))).Decode(&v); err != io.EOF {
		return nil, false
	}
	concreteTypes.Store(string(name), concrete{t})
	return t, true
}

// probeStream returns a gob stream of an interface value named name: with
// a struct of no fields if withValue, or ending after the name.
func probeStream(name []byte, withValue bool) []byte {
	var b []byte
	if withValue {
		// Type 65 is a struct of no fields: the wireType's StructT
		// field, an empty structType, the end of the wireType.
		def := []byte{0xff, 0x81, wStruct, 0, 0}
		b = appendUint(b, uint64(len(def)))
		b = append(b, def...)
	}
	msg := appendUint(nil, idInterface<<1) // the type id of interface{}
	msg = append(msg, 0)                   // the singleton's field delta
	msg = appendUint(msg, uint64(len(name)))
	msg = append(msg, name...)
	if withValue {
		msg = append(msg, 0xff, 0x82, 1, 0) // type 65, a byte, no fields
	}
	b = appendUint(b, uint64(len(msg)))
	return append(b, msg...)
}

// learn returns the Go type registered under name, a type that is not a
// struct, which a value of type id decodes into, or nil if it cannot tell.
// It asks encoding/gob to decode an interface value of that name holding
// an empty value of type id's shape, with the structs in it replaced by
// structs of no fields (which decode into any Go struct), once per name
// and walk until it succeeds.
func (w *walker) learn(name []byte, id int32) reflect.Type {
	if w.tried[string(name)] {
		return nil
	}
	if w.tried == nil {
		w.tried = make(map[string]bool)
	}
	w.tried[string(name)] = true
	p := prober{w: w, ids: make(map[int32]int32), next: firstUserID}
	top, ok := p.def(id, 0)
	if !ok {
		return nil
	}
	msg := appendUint(nil, idInterface<<1) // the type id of interface{}
	msg = append(msg, 0)                   // the singleton's field delta
	msg = appendUint(msg, uint64(len(name)))
	msg = append(msg, name...)
	msg = appendInt(msg, int64(top))
	msg = append(msg, 1, 0) // a byte count, unused; the singleton's delta
	if msg, ok = p.zero(msg, id, 0); !ok {
		return nil
	}
	b := append(p.defs, appendUint(nil, uint64(len(msg)))...)
	var v any
	if gob.NewDecoder(bytes.NewReader(append(b, msg...))).Decode(&v) != nil {
		return nil
	}
	t := base(reflect.TypeOf(v))
	if t != nil {
		concreteTypes.Store(string(name), concrete{t})
		if w.names != nil {
			w.names[string(name)] = concrete{t}
		}
	}
	return t
}

// A prober builds the type definitions of learn's probe.
type prober struct {
	w    *walker
	ids  map[int32]int32 // probe ids by walk ids
	next int32
	defs []byte // the definitions, as messages
}

// def defines the probe's type for type id, and returns its id.
func (p *prober) def(id int32, level int) (int32, bool) {
	if id >= idBool && id <= idInterface {
		return id, true
	}
	if pid, ok := p.ids[id]; ok {
		return pid, true
	}
	i, ok := p.w.lookup(id)
	if !ok || level > 16 {
		return 0, false
	}
	d := p.w.defs[i]
	p.next++
	pid := p.next
	p.ids[id] = pid
	t := []byte{d.kind}
	switch d.kind {
	case wStruct: // of no fields
	case wSlice, wArray:
		e, ok := p.def(d.elem, level+1)
		if !ok {
			return 0, false
		}
		t = appendInt(append(t, 2), int64(e)) // Elem, after CommonType
		if d.kind == wArray {
			t = appendInt(append(t, 1), d.alen) // Len
		}
	case wMap:
		k, ok := p.def(d.key, level+1)
		if !ok {
			return 0, false
		}
		e, ok := p.def(d.elem, level+1)
		if !ok {
			return 0, false
		}
		t = appendInt(append(t, 2), int64(k))
		t = appendInt(append(t, 1), int64(e))
	case wGobEncoder, wBinaryMarshaler, wTextMarshaler:
	default:
		return 0, false
	}
	t = append(t, 0, 0) // the ends of the kind's struct and of the wireType
	msg := appendInt(nil, -int64(pid))
	msg = append(msg, t...)
	p.defs = appendUint(p.defs, uint64(len(msg)))
	p.defs = append(p.defs, msg...)
	return pid, true
}

// zero appends the encoding of an empty value of type id.
func (p *prober) zero(b []byte, id int32, level int) ([]byte, bool) {
	switch id {
	case idBool, idInt, idUint, idFloat, idBytes, idString, idInterface:
		return append(b, 0), true
	case idComplex:
		return append(b, 0, 0), true
	}
	i, ok := p.w.lookup(id)
	if !ok || level > 16 {
		return b, false
	}
	d := p.w.defs[i]
	switch d.kind {
	case wStruct, wSlice, wMap: // no fields, no elements
		return append(b, 0), true
	case wArray:
		if d.alen > 16 {
			return b, false
		}
		b = appendUint(b, uint64(d.alen))
		for range d.alen {
			if b, ok = p.zero(b, d.elem, level+1); !ok {
				return b, false
			}
		}
		return b, true
	}
	return b, false // a GobDecoder may refuse empty data
}
