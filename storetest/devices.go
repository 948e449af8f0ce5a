package storetest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// Devices checks, through a real HTTP server over st and a client per
// device, what a "where you're signed in" page needs: ListUserSessions
// lists each of a user's sessions with its label, start, last activity and
// expiry, and marks the current one; DestroyUserSession ends one of them
// from another device, and refuses the ID of another user's session;
// DestroyOtherSessions keeps the current one; MaxUserSessions ends the
// oldest at login; and last activity moves only when a session is saved,
// which a read-only request does not do within IdleRefreshInterval. It
// skips stores that do not implement scs.UserIndexStore.
func Devices(t *testing.T, newStore func(t *testing.T) scs.Store) {
	t.Helper()
	st := newStore(t)
	if _, ok := scs.StoreAs[scs.UserIndexStore](st); !ok {
		t.Skipf("skipped: %T does not implement scs.UserIndexStore; the device calls then read every session (see ListUserSessions) and know no last activity", st)
	}
	srv := devicesServer(t, st, 0)
	alice, bob := "alice-"+Token(t)[:8], "bob-"+Token(t)[:8]
	laptop, phone, tablet, bobs := newDevice(t, srv), newDevice(t, srv), newDevice(t, srv), newDevice(t, srv)
	laptop.login(alice, "Firefox on Linux")
	phone.login(alice, "Safari on iOS")
	tablet.login(alice, "Chrome on Android")
	bobs.login(bob, "Edge on Windows")

	list := phone.devices()
	if len(list) != 3 {
		t.Fatalf("the phone lists %d sessions of alice, want 3: %v", len(list), list)
	}
	for _, d := range []*device{laptop, phone, tablet} {
		e, ok := list[d.id()]
		if !ok {
			t.Fatalf("the list lacks the %s's session: %v", d.label, list)
		}
		if e.label != d.label || e.current != (d == phone) {
			t.Errorf("the %s's entry: label %q, current %v; want %q, %v", d.label, e.label, e.current, d.label, d == phone)
		}
		if e.created.IsZero() || e.lastActive.IsZero() || !e.expiry.After(time.Now()) {
			t.Errorf("the %s's entry has created %v, last active %v, expiry %v", d.label, e.created, e.lastActive, e.expiry)
		}
	}

	// The phone ends the laptop's session; the laptop is logged out.
	if got := phone.get("/end?id=" + laptop.id()); got != "true" {
		t.Fatalf("ending the laptop's session answered %q", got)
	}
	if got := laptop.get("/whoami"); got != "" {
		t.Errorf("the laptop is still logged in as %q after the phone ended its session", got)
	}
	if n := len(phone.devices()); n != 2 {
		t.Errorf("after ending one, alice has %d sessions, want 2", n)
	}

	// Another user's session ID is refused, and that session lives on.
	if got := phone.get("/end?id=" + bobs.id()); got != "false" {
		t.Errorf("alice's phone ending bob's session answered %q, want false", got)
	}
	if got := bobs.get("/whoami"); got != bob {
		t.Errorf("bob's session after alice tried to end it: whoami %q", got)
	}

	// "Sign out of other devices" from the tablet keeps the tablet.
	if got := tablet.get("/others"); got != "1" {
		t.Errorf("DestroyOtherSessions from the tablet ended %s sessions, want 1 (the phone)", got)
	}
	if got := phone.get("/whoami"); got != "" {
		t.Errorf("the phone is still logged in as %q", got)
	}
	if list := tablet.devices(); len(list) != 1 || !list[tablet.id()].current {
		t.Errorf("after signing out of other devices the tablet lists %v, want itself only", list)
	}

	// Last activity moves when the session is saved, not on a read.
	before := tablet.devices()[tablet.id()].lastActive
	time.Sleep(5 * time.Millisecond) // the stores keep milliseconds
	tablet.get("/whoami")
	if got := tablet.devices()[tablet.id()].lastActive; !got.Equal(before) {
		t.Errorf("a read-only request moved last activity from %v to %v (IdleRefreshInterval is an hour)", before, got)
	}
	tablet.get("/touch")
	if got := tablet.devices()[tablet.id()].lastActive; !got.After(before) {
		t.Errorf("a request that changed the session left last activity at %v, want after %v", got, before)
	}

	// MaxUserSessions: the third login of carol ends her oldest session.
	capped := devicesServer(t, st, 2)
	carol := "carol-" + Token(t)[:8]
	first, second, third := newDevice(t, capped), newDevice(t, capped), newDevice(t, capped)
	first.login(carol, "first")
	time.Sleep(5 * time.Millisecond)
	second.login(carol, "second")
	time.Sleep(5 * time.Millisecond)
	third.login(carol, "third")
	if got := first.get("/whoami"); got != "" {
		t.Errorf("with MaxUserSessions 2, the first of three sessions is still logged in as %q", got)
	}
	if list := third.devices(); len(list) != 2 {
		t.Errorf("with MaxUserSessions 2, carol has %d sessions: %v", len(list), list)
	}
	if got := second.get("/whoami"); got != carol {
		t.Errorf("the second session was ended too (whoami %q)", got)
	}
}

// devicesServer serves a manager over st whose reads do not save within
// an hour (IdleRefreshInterval), capped at maxSessions per user.
func devicesServer(t *testing.T, st scs.Store, maxSessions int) *httptest.Server {
	m := scs.New()
	m.Store = st
	m.IdleTimeout, m.IdleRefreshInterval = 2*time.Hour, time.Hour
	m.MaxUserSessions = maxSessions
	m.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		if err := m.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		m.SetUser(r.Context(), r.URL.Query().Get("u"))
		m.SetUserLabel(r.Context(), r.URL.Query().Get("label"))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, m.UserID(r.Context())) })
	mux.HandleFunc("/touch", func(w http.ResponseWriter, r *http.Request) { m.Put(r.Context(), "touched", time.Now().UnixNano()) })
	mux.HandleFunc("/devices", func(w http.ResponseWriter, r *http.Request) {
		list, err := m.ListUserSessions(r.Context(), m.UserID(r.Context()))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, s := range list {
			fmt.Fprintf(w, "%s\t%q\t%v\t%d\t%d\t%d\n", s.ID, s.Label, s.Current, s.Created.UnixNano(), s.LastActive.UnixNano(), s.Expiry.UnixNano())
		}
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) {
		ok, err := m.DestroyUserSession(r.Context(), m.UserID(r.Context()), r.URL.Query().Get("id"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, ok)
	})
	mux.HandleFunc("/others", func(w http.ResponseWriter, r *http.Request) {
		n, err := m.DestroyOtherSessions(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, n)
	})
	srv := httptest.NewServer(m.LoadAndSave(mux))
	t.Cleanup(srv.Close)
	return srv
}

// device is one browser: a client with its own cookie jar.
type device struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	label  string
}

func newDevice(t *testing.T, srv *httptest.Server) *device {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &device{t: t, srv: srv, client: &http.Client{Jar: jar}}
}

func (d *device) login(user, label string) {
	d.label = label
	d.get("/login?u=" + user + "&label=" + strings.ReplaceAll(label, " ", "+"))
}

func (d *device) get(path string) string {
	d.t.Helper()
	resp, err := d.client.Get(d.srv.URL + path)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		d.t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

// id returns the ID ListUserSessions gives the device's session.
func (d *device) id() string {
	for _, c := range d.client.Jar.Cookies(mustURL(d.t, d.srv.URL)) {
		if c.Name == "session" {
			return HashedToken(c.Value)[:12]
		}
	}
	d.t.Fatalf("the device (%s) has no session cookie", d.label)
	return ""
}

// listed is one line of /devices.
type listed struct {
	label                       string
	current                     bool
	created, lastActive, expiry time.Time
}

// devices returns the device's /devices page by session ID.
func (d *device) devices() map[string]listed {
	d.t.Helper()
	out := map[string]listed{}
	for _, line := range strings.Split(strings.TrimSpace(d.get("/devices")), "\n") {
		if line == "" {
			continue
		}
		var id, label string
		var current bool
		var created, active, expiry int64
		if _, err := fmt.Sscanf(line, "%s\t%q\t%t\t%d\t%d\t%d", &id, &label, &current, &created, &active, &expiry); err != nil {
			d.t.Fatalf("a line of /devices: %q: %v", line, err)
		}
		out[id] = listed{label, current, time.Unix(0, created), time.Unix(0, active), time.Unix(0, expiry)}
	}
	return out
}

func mustURL(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
