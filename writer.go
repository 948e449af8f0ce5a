package scs

import (
	"errors"
	"net/http"
)

// ErrCommitFailed is returned by the response writer that LoadAndSave passes
// on, from writes that follow a failed save of the session: ErrorFunc has
// answered the request by then, and the handler's output is dropped so that
// it is not appended to the error response.
var ErrCommitFailed = errors.New("scs: the session could not be saved; the response was answered by ErrorFunc")

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
}

// commit saves the session and writes its cookie once.
func (w *responseWriter) commit() {
	if w.written {
		return
	}
	w.written = true
	w.failed = !w.manager.commitAndWriteToken(w.ResponseWriter, w.request, w.sd, w.header)
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

// Unwrap returns the underlying writer, for http.NewResponseController
// (Hijack, SetReadDeadline, ...).
func (w *responseWriter) Unwrap() http.ResponseWriter {
	return w.ResponseWriter
}
