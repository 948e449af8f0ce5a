package scs

import (
	"bufio"
	"net"
	"net/http"
)

// [CommitWriter] is the http.ResponseWriter that LoadAndSave passes to its
// handler, for middleware written for other frameworks: it saves the
// session of the request it was made for, and writes the session's cookie
// (or token header), once, just before the first byte, status line or
// flush of the response leaves, as LoadAndSave does. The echoscs,
// echov5scs and ginscs middleware put one under their framework's response
// writer.
//
// When the save fails, ErrorFunc answers the request on the writer
// underneath, and the handler's status line is dropped and its writes
// return [ErrCommitFailed]. A [CommitWriter] is used by one goroutine at a
// time, as an http.ResponseWriter is.
type CommitWriter struct {
	rw responseWriter
}

// NewCommitWriter returns a [CommitWriter] over w for the session in r's
// context, which Load put there. With header == "" it writes the session
// cookie, as LoadAndSave does; otherwise it sends the token in the response
// header called header, as LoadAndSaveHeader does. Like the data methods,
// it panics when r's context carries no session of s.
//
// Middleware calls Commit after the handler returns, for a response the
// handler left unwritten, and Abandon instead when the handler panics, so
// that a half-finished session is not saved: LoadAndSave saves nothing
// for a handler that panics.
func (s *SessionManager) NewCommitWriter(w http.ResponseWriter, r *http.Request, header string) *CommitWriter {
	return &CommitWriter{rw: responseWriter{
		ResponseWriter: w,
		request:        r,
		manager:        s,
		sd:             s.getSessionData(r.Context()),
		header:         http.CanonicalHeaderKey(header),
	}}
}

// Commit saves the session and writes its token to the response's headers,
// unless that was done (or abandoned) already. It reports whether the
// response may go on: false when the save failed and ErrorFunc has
// answered the request.
func (cw *CommitWriter) Commit() bool {
	cw.rw.commit()
	return !cw.rw.failed
}

// Abandon makes cw save nothing from now on; what is written to it goes to
// the writer underneath unchanged. Middleware calls it when the handler
// panics, before the panic reaches the framework's recovery.
func (cw *CommitWriter) Abandon() {
	cw.rw.written = true
}

// Header returns the header map of the writer underneath.
func (cw *CommitWriter) Header() http.Header {
	return cw.rw.ResponseWriter.Header()
}

// Write saves the session, then writes b.
func (cw *CommitWriter) Write(b []byte) (int, error) {
	return cw.rw.Write(b)
}

// WriteHeader saves the session, then writes the status line.
func (cw *CommitWriter) WriteHeader(code int) {
	cw.rw.WriteHeader(code)
}

// FlushError saves the session, then flushes the writer underneath; it is
// what http.NewResponseController(cw).Flush calls. It returns
// [ErrCommitFailed] when the save failed.
func (cw *CommitWriter) FlushError() error {
	return cw.rw.FlushError()
}

// Flush is FlushError for handlers that assert http.Flusher.
func (cw *CommitWriter) Flush() {
	cw.rw.Flush()
}

// Hijack saves the session, then hands over the connection; any cookie the
// save wrote reaches the client only in a response the caller writes
// itself. It returns [ErrCommitFailed] when the save failed.
func (cw *CommitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return cw.rw.Hijack()
}

// Unwrap returns the writer underneath, for http.NewResponseController.
func (cw *CommitWriter) Unwrap() http.ResponseWriter {
	return cw.rw.ResponseWriter
}
