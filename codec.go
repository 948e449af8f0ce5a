package scs

import (
	"bytes"
	"encoding/gob"
	"time"
)

// Codec encodes session data for the store and decodes it back.
type Codec interface {
	// Encode returns the encoding of a session's deadline and values.
	Encode(deadline time.Time, values map[string]interface{}) ([]byte, error)
	// Decode returns the deadline and values that Encode encoded in b.
	Decode([]byte) (deadline time.Time, values map[string]interface{}, err error)
}

// GobCodec is the default Codec. It writes encoding/gob's format, as SCS v2
// does, so stores shared with SCS v2 applications stay readable both ways.
// Custom value types must be registered with gob.Register.
type GobCodec struct{}

type gobSession struct {
	Deadline time.Time
	Values   map[string]interface{}
}

// Encode encodes deadline and values with encoding/gob.
func (GobCodec) Encode(deadline time.Time, values map[string]interface{}) ([]byte, error) {
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&gobSession{Deadline: deadline, Values: values}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode decodes a payload written by Encode or by SCS v2's GobCodec.
func (GobCodec) Decode(b []byte) (time.Time, map[string]interface{}, error) {
	var aux gobSession
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&aux); err != nil {
		return time.Time{}, nil, err
	}
	return aux.Deadline, aux.Values, nil
}
