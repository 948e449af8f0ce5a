package scs

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"sync"
	"time"

	"github.com/seed3bbca6c1/scs/internal/gobwire"
)

// Codec encodes session data for the store and decodes it back.
type Codec interface {
	// Encode returns the encoding of a session's deadline and values.
	Encode(deadline time.Time, values map[string]interface{}) ([]byte, error)
	// Decode returns the deadline and values that Encode encoded in b.
	Decode([]byte) (deadline time.Time, values map[string]interface{}, err error)
}

// [GobCodec] is the default Codec. It writes encoding/gob's format, exactly as
// SCS v2 does, so stores shared with SCS v2 applications stay readable both
// ways. Its zero value is ready to use, and it is safe for concurrent use.
//
// Payloads whose values are all of common types (nil, string, bool, int,
// int8 to int64, uint, uint8 to uint64, float32, float64, []byte, []string,
// time.Time, map[string]string, and map[string]interface{} of these) are
// encoded and decoded by a hand-written implementation of the gob format, many
// times faster than encoding/gob. Other payloads go through encoding/gob
// itself, so custom value types must be registered with gob.Register, as in
// SCS v2.
//
// Importing this package registers time.Time, map[string]interface{} and
// map[string]string with encoding/gob under their default names, which
// SCS v2 applications had to do themselves; doing it again with gob.Register
// is harmless.
type GobCodec struct{}

// gobSession is the struct SCS v2 encodes. It is an alias of an unnamed
// struct type, as in SCS v2, so that encoding/gob describes it identically.
type gobSession = struct {
	Deadline time.Time
	Values   map[string]interface{}
}

func init() {
	registerWithGob(time.Time{})
	registerWithGob(map[string]interface{}{})
	registerWithGob(map[string]string{})
}

// registerWithGob registers v's type with encoding/gob under its default
// name. If a package registered the type under another name before, that
// registration stands, gob.Register's panic is dropped, and the fast path
// leaves values of the type to encoding/gob.
func registerWithGob(v any) {
	defer func() { _ = recover() }()
	gob.Register(v)
}

// encodeBuffers holds scratch buffers for Encode, which returns an exact-size
// copy so that the stores keep no spare capacity.
var encodeBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer is the largest scratch buffer put back in encodeBuffers.
const maxPooledBuffer = 64 << 10

// Encode encodes deadline and values in encoding/gob's format. It returns
// encoding/gob's error for values it cannot encode, such as unregistered
// custom types.
func (GobCodec) Encode(deadline time.Time, values map[string]interface{}) ([]byte, error) {
	bp := encodeBuffers.Get().(*[]byte)
	b, ok := gobwire.AppendEncode((*bp)[:0], deadline, values)
	if ok {
		out := make([]byte, len(b))
		copy(out, b)
		if cap(b) <= maxPooledBuffer {
			*bp = b[:0]
			encodeBuffers.Put(bp)
		}
		return out, nil
	}
	encodeBuffers.Put(bp)

	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&gobSession{Deadline: deadline, Values: values}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Decode decodes a payload written by Encode or by SCS v2's [GobCodec]. The
// returned values do not share memory with b.
//
// A payload that ends early, or whose map, slice or string counts claim
// more than its bytes could hold, is an error (a *gobwire.MalformedError
// in the chain) found with memory in proportion to len(b): it never
// reaches encoding/gob, which would allocate what a count claims before
// failing. The fast path finds these in the payloads it decodes itself;
// a payload it leaves to encoding/gob (custom types registered with
// gob.Register, extra struct fields, maps nested deeper than it goes) is
// first walked whole, type definitions and values at any depth, and
// refused if any count could make encoding/gob allocate or loop beyond the
// bytes that follow, or if it nests more than 100 levels deep (a map held
// in a map counts two). What encoding/gob then allocates is in proportion
// to len(b), times the size of the largest registered type it decodes
// into, plus what custom GobDecode methods allocate; it returns its own
// error for a payload it cannot decode.
func (GobCodec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	deadline, values, err := gobwire.DecodeChecked(b)
	if err == nil {
		return deadline, values, nil
	}
	if err == gobwire.ErrUnhandled {
		err = gobwire.Check(b)
	}
	if err != nil {
		return time.Time{}, nil, fmt.Errorf("scs: GobCodec: %w", err)
	}
	var aux gobSession
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&aux); err != nil {
		return time.Time{}, nil, err
	}
	return aux.Deadline, aux.Values, nil
}
