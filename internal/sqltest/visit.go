package sqltest

import (
	"net/http"
	"net/http/httptest"
)

// Visit serves a GET request for the path first through h, then one for
// second that sends back the cookies the first response set, as a browser
// does, and returns the body of the second response. Examples use it to show
// a session carrying a value from one request to the next.
func Visit(h http.Handler, first, second string) string {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, first, nil))
	req := httptest.NewRequest(http.MethodGet, second, nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Body.String()
}
