package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"time"

	"github.com/seed3bbca6c1/scs"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// Session keys. Values are gob-encoded: strings need no registration.
const (
	keyUser  = "user"  // the logged-in user's name; absent when logged out
	keyFlash = "flash" // a message for the next page, shown once
	keyCSRF  = "csrf"  // the per-session anti-CSRF token
	keyNote  = "note"  // what the user saved on the account page
)

// user is an account. A real application keeps these in its database with
// a bcrypt or argon2 password hash; plain text keeps the example short.
type user struct {
	name, password string
}

func demoUsers() map[string]user {
	return map[string]user{
		"alice": {"alice", "wonderland"},
		"bob":   {"bob", "builder"},
	}
}

// app holds what the handlers share.
type app struct {
	sessions *scs.SessionManager
	users    map[string]user
}

// newApp configures sessionManager as a web application wants it.
func newApp(sessionManager *scs.SessionManager, users map[string]user) *app {
	sessionManager.Lifetime = 7 * 24 * time.Hour // what "remember me" keeps
	sessionManager.IdleTimeout = 2 * time.Hour
	// Without IdleRefreshInterval every page view would write the session
	// to the store and send a new cookie, only to push the idle deadline
	// on. With it, a request that changes nothing saves the session at most
	// once per interval; the session may then end up to that much before
	// IdleTimeout. About a tenth of IdleTimeout is a good value.
	sessionManager.IdleRefreshInterval = 12 * time.Minute
	sessionManager.Cookie.Name = "webapp_session"
	sessionManager.Cookie.HttpOnly = true                 // no JavaScript access
	sessionManager.Cookie.SameSite = http.SameSiteLaxMode // not sent on cross-site POSTs
	// A cookie that ends with the browser unless the user ticks "remember me".
	sessionManager.Cookie.Persist = false
	// Behind HTTPS (always, in production) set Secure too:
	// sessionManager.Cookie.Secure = true
	// The store holds SHA-256 hashes of the tokens, so a leaked store
	// does not hand out live sessions.
	sessionManager.HashTokenInStore = true
	return &app{sessions: sessionManager, users: users}
}

// routes is the application's handler: Go 1.22 method patterns, private
// pages behind requireLogin, every form behind checkCSRF, LoadAndSave
// around all of it, and the cache policy around LoadAndSave.
func (a *app) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.loginForm)
	mux.Handle("POST /login", a.checkCSRF(http.HandlerFunc(a.login)))
	mux.Handle("GET /account", a.requireLogin(http.HandlerFunc(a.account)))
	mux.Handle("POST /account/note", a.checkCSRF(a.requireLogin(http.HandlerFunc(a.saveNote))))
	mux.Handle("POST /logout", a.checkCSRF(http.HandlerFunc(a.logout)))
	mux.Handle("POST /logout-everywhere", a.checkCSRF(a.requireLogin(http.HandlerFunc(a.logoutEverywhere))))
	mux.Handle("GET /devices", a.requireLogin(http.HandlerFunc(a.devices)))
	mux.Handle("POST /devices/end", a.checkCSRF(a.requireLogin(http.HandlerFunc(a.endDevice))))
	mux.Handle("POST /devices/end-others", a.checkCSRF(a.requireLogin(http.HandlerFunc(a.endOtherDevices))))
	return noStore(a.sessions.LoadAndSave(mux))
}

// noStore is the application's cache policy, in one place: every response
// goes out with exactly one Cache-Control header line, "no-store". Every
// page here is made for its session (the user's name, a flash message, a
// CSRF token), and private pages must not come back from a cache through
// the Back button after logging out. It wraps LoadAndSave because the
// session manager adds its own Cache-Control: no-cache="Set-Cookie" line
// whenever it writes the cookie; a handler that set no-store as well would
// send two lines. no-store already keeps caches from storing the cookie, so
// the one line replaces both.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nw := &noStoreWriter{ResponseWriter: w}
		next.ServeHTTP(nw, r)
		nw.setHeader() // a handler that wrote nothing: net/http sends the headers now
	})
}

// noStoreWriter sets the Cache-Control line just before the headers go out,
// after LoadAndSave has added its own.
type noStoreWriter struct {
	http.ResponseWriter
	done bool
}

func (w *noStoreWriter) setHeader() {
	if !w.done {
		w.done = true
		w.Header()["Cache-Control"] = []string{"no-store"}
	}
}

func (w *noStoreWriter) WriteHeader(code int) {
	w.setHeader()
	w.ResponseWriter.WriteHeader(code)
}

func (w *noStoreWriter) Write(b []byte) (int, error) {
	w.setHeader()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *noStoreWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// page is what every template gets.
type page struct {
	User    string
	Flash   string
	CSRF    string
	Note    string
	Error   string
	Devices []device // the devices page's rows
}

// render fills in the session's user, flash (removed as it is read, so it
// shows once) and, where the page has a form, the CSRF token, then executes
// the template name. Anonymous visitors get a session (and a cookie) only
// once they need one: for a flash, or for the login form's token.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	ctx := r.Context()
	p.User = a.sessions.GetString(ctx, keyUser)
	p.Flash = a.sessions.PopString(ctx, keyFlash)
	if p.User != "" || name == "login.html" {
		p.CSRF = a.csrfToken(ctx)
	}
	a.write(w, status, name, p)
}

// write executes the template name with p, touching no session.
func (a *app) write(w http.ResponseWriter, status int, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := templates.ExecuteTemplate(w, name, p); err != nil {
		log.Printf("webapp: render %s: %v", name, err)
	}
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "home.html", page{})
}

func (a *app) loginForm(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "login.html", page{})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u, ok := a.users[r.PostFormValue("username")]
	if !ok || subtle.ConstantTimeCompare([]byte(u.password), []byte(r.PostFormValue("password"))) != 1 {
		a.render(w, r, http.StatusUnauthorized, "login.html", page{Error: "Unknown user name or wrong password."})
		return
	}
	// A new token whenever privileges change: a token an attacker planted
	// before the login (session fixation) is worth nothing after it.
	if err := a.sessions.RenewToken(ctx); err != nil {
		a.serverError(w, err)
		return
	}
	a.sessions.Remove(ctx, keyCSRF) // a fresh CSRF token with the new session
	a.sessions.Put(ctx, keyUser, u.name)
	// SetUser ties the session to its user in the store's index of user
	// sessions, so that logging out everywhere costs that user's sessions,
	// not a scan of the store.
	if err := a.sessions.SetUser(ctx, u.name); err != nil {
		a.serverError(w, err)
		return
	}
	// A label for the devices page: browser family and operating system,
	// nothing finer. The raw User-Agent string and the IP address are
	// personal data the user did not ask us to keep.
	a.sessions.SetUserLabel(ctx, deviceLabel(r.UserAgent()))
	// Persist is false, so the cookie ends with the browser unless the user
	// asked to be remembered: then it lasts the session's Lifetime.
	a.sessions.RememberMe(ctx, r.PostFormValue("remember") == "on")
	a.sessions.Put(ctx, keyFlash, "Welcome back, "+u.name+"!")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *app) account(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, http.StatusOK, "account.html", page{Note: a.sessions.GetString(r.Context(), keyNote)})
}

func (a *app) saveNote(w http.ResponseWriter, r *http.Request) {
	a.sessions.Put(r.Context(), keyNote, r.PostFormValue("note"))
	a.sessions.Put(r.Context(), keyFlash, "Note saved.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// Destroy deletes the session from the store and expires the cookie;
	// what is put afterwards goes into a fresh, anonymous session.
	if err := a.sessions.Destroy(ctx); err != nil {
		a.serverError(w, err)
		return
	}
	a.sessions.Put(ctx, keyFlash, "You have been logged out.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logoutEverywhere destroys every session of the current user, on every
// device: DestroyUser finds them in the store's index of user sessions (set
// up by SetUser at login). With sessions sealed in the cookie (-store
// cookie) there is nothing on the server to destroy: the other devices'
// cookies stay valid until they expire, and the page says so.
func (a *app) logoutEverywhere(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	flash := "You have been logged out on every device."
	_, err := a.sessions.DestroyUser(ctx, a.sessions.UserID(ctx))
	if errors.Is(err, scs.ErrNotIterable) {
		flash = "You have been logged out here. Sessions kept in cookies cannot be ended on other devices; they expire on their own."
		err = nil
	}
	if err == nil {
		err = a.sessions.Destroy(ctx) // this request's copy, and its cookie
	}
	if err != nil {
		a.serverError(w, err)
		return
	}
	a.sessions.Put(ctx, keyFlash, flash)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// devices lists the user's sessions, newest first, this one marked.
func (a *app) devices(w http.ResponseWriter, r *http.Request) {
	a.renderDevices(w, r, http.StatusOK, "")
}

// renderDevices renders the devices page with status and the error
// message errMsg ("" for none).
func (a *app) renderDevices(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	ctx := r.Context()
	list, err := a.sessions.ListUserSessions(ctx, a.sessions.UserID(ctx))
	if errors.Is(err, scs.ErrNotIterable) {
		// Sessions sealed in cookies (-store cookie): the server keeps none.
		a.render(w, r, status, "devices.html", page{Error: "Sessions kept in cookies cannot be listed: the server keeps no record of them."})
		return
	}
	if err != nil {
		a.serverError(w, err)
		return
	}
	now := time.Now()
	rows := make([]device, len(list))
	for i, s := range list {
		rows[i] = newDevice(s, now)
	}
	a.render(w, r, status, "devices.html", page{Devices: rows, Error: errMsg})
}

// endDevice ends one of the user's other sessions, by the ID the devices
// page shows. DestroyUserSession only ends a session of the user it is
// given, so an ID of another user's session (or of one that has ended)
// ends nothing and is answered with an error. The current session is
// refused too: "Log out" ends that one.
func (a *app) endDevice(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	userID, id := a.sessions.UserID(ctx), r.PostFormValue("id")
	list, err := a.sessions.ListUserSessions(ctx, userID)
	if errors.Is(err, scs.ErrNotIterable) {
		a.renderDevices(w, r, http.StatusBadRequest, "") // it says why
		return
	}
	if err != nil {
		a.serverError(w, err)
		return
	}
	for _, s := range list {
		if s.ID == id && s.Current {
			a.renderDevices(w, r, http.StatusBadRequest, "That is the session you are using: log out to end it.")
			return
		}
	}
	ok, err := a.sessions.DestroyUserSession(ctx, userID, id)
	if err != nil {
		a.serverError(w, err)
		return
	}
	if !ok {
		a.renderDevices(w, r, http.StatusNotFound, "No session of yours has that ID: it may have ended already.")
		return
	}
	a.sessions.Put(ctx, keyFlash, "That device has been signed out.")
	http.Redirect(w, r, "/devices", http.StatusSeeOther)
}

// endOtherDevices ends every session of the user but this one.
func (a *app) endOtherDevices(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	n, err := a.sessions.DestroyOtherSessions(ctx)
	if errors.Is(err, scs.ErrNotIterable) {
		a.sessions.Put(ctx, keyFlash, "Sessions kept in cookies cannot be ended on other devices; they expire on their own.")
		http.Redirect(w, r, "/devices", http.StatusSeeOther)
		return
	}
	if err != nil {
		a.serverError(w, err)
		return
	}
	flash := fmt.Sprintf("Signed out of %d other devices.", n)
	switch n {
	case 0:
		flash = "You were not signed in on any other device."
	case 1:
		flash = "Signed out of 1 other device."
	}
	a.sessions.Put(ctx, keyFlash, flash)
	http.Redirect(w, r, "/devices", http.StatusSeeOther)
}

// requireLogin sends anonymous visitors to the login page. (That browsers
// and proxies do not keep private pages is noStore's job, around every
// page.)
func (a *app) requireLogin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !a.sessions.Exists(r.Context(), keyUser) {
			a.sessions.Put(r.Context(), keyFlash, "Please log in first.")
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// checkCSRF refuses a POST whose form does not carry the session's CSRF
// token. SameSite=Lax already keeps the session cookie off cross-site POSTs
// in current browsers; the token also covers older browsers and requests
// from a sibling subdomain, which count as same-site. The refusal touches
// no session: a cross-site POST arrives without the cookie, and answering
// it with a new session's cookie would log the victim out.
func (a *app) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := a.sessions.GetString(r.Context(), keyCSRF)
		got := r.PostFormValue("csrf_token")
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			a.write(w, http.StatusForbidden, "forbidden.html", page{})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// csrfToken returns the session's CSRF token, making one on first use.
func (a *app) csrfToken(ctx context.Context) string {
	if t := a.sessions.GetString(ctx, keyCSRF); t != "" {
		return t
	}
	t := rand.Text() // 128 bits from crypto/rand
	a.sessions.Put(ctx, keyCSRF, t)
	return t
}

func (a *app) serverError(w http.ResponseWriter, err error) {
	log.Printf("webapp: %v", err)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
