package scs

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
)

// responseWriter is the http.ResponseWriter that LoadAndSave passes on. It
// saves the session and writes its cookie before the first byte or status of
// the response leaves. It is used by one handler goroutine at a time, as
// http.ResponseWriter is.
type responseWriter struct {
	http.ResponseWriter
	request *http.Request
	manager *SessionManager
	sd      *sessionData // the session it saves
	header  string       // the token travels in this header, not in a cookie
	written bool         // the session was committed (or that was tried)
	failed  bool         // the commit failed and ErrorFunc answered

	// values holds the values of the response headers that LoadAndSave
	// sets, so that each costs no allocation of its own.
	values headerValues
}

// The slots of headerValues: one for each response header LoadAndSave sets.
const (
	slotVary = iota
	slotSetCookie
	slotCacheControl
	numSlots
)

// headerValues keeps the values of the response headers LoadAndSave sets,
// one slot per header, inside the allocation it makes per request.
type headerValues [numSlots]string

// add adds the value v to the header key, like h.Add. When the header is new
// and hv is not nil, the value's one-element slice is hv[slot] rather than a
// new allocation; its capacity of one makes a later Add copy it.
func (hv *headerValues) add(h http.Header, slot int, key, v string) {
	if _, ok := h[key]; ok || hv == nil {
		h[key] = append(h[key], v)
		return
	}
	hv[slot] = v
	h[key] = hv[slot : slot+1 : slot+1]
}

// commit saves the session and writes its cookie once.
func (w *responseWriter) commit() {
	if w.written {
		return
	}
	w.written = true
	w.failed = !w.manager.commitAndWriteToken(w.ResponseWriter, w.request, w.sd, w.header, &w.values)
}

// Write commits the session, then writes b.
func (w *responseWriter) Write(b []byte) (int, error) {
	w.commit()
	if w.failed {
		return 0, ErrCommitFailed
	}
	return w.ResponseWriter.Write(b)
}

// WriteHeader commits the session, then writes the status line.
func (w *responseWriter) WriteHeader(code int) {
	w.commit()
	if w.failed {
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

// FlushError commits the session, then flushes the underlying writer. It is
// what http.NewResponseController(w).Flush calls.
func (w *responseWriter) FlushError() error {
	w.commit()
	if w.failed {
		return ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush commits the session, then flushes the underlying writer, so that
// handlers that assert w.(http.Flusher) can stream. It does nothing when the
// save failed (ErrorFunc has answered) or the underlying writer cannot
// flush.
func (w *responseWriter) Flush() {
	_ = w.FlushError()
}

// Hijack commits the session, then hands over the connection, so that
// handlers that assert w.(http.Hijacker) (websockets, raw protocols) keep
// working. Any cookie the save wrote is sent only if the handler writes it
// itself. It returns [ErrCommitFailed] when the save failed, and an error
// wrapping http.ErrNotSupported when the underlying writer cannot hijack
// (HTTP/2, for example).
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.commit()
	if w.failed {
		return nil, nil, ErrCommitFailed
	}
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("scs: hijack: %w", err)
	}
	return conn, rw, nil
}

// Unwrap returns the underlying writer, for http.NewResponseController
// (Hijack, SetReadDeadline, ...).
func (w *responseWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
