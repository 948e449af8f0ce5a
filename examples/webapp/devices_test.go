package main

import (
	"database/sql"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Some User-Agent strings, as browsers send them.
const (
	uaFirefoxWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
	uaChromeAndroid  = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)

var deviceRow = regexp.MustCompile(`<tr class="session( current)?" data-id="([^"]+)">\s*<td class="label">([^<]*)`)

// deviceRows is the devices page as v sees it: each row's ID, label and
// whether it is v's own session.
type deviceRowInfo struct {
	id, label string
	current   bool
}

func (v *visitor) devices() []deviceRowInfo {
	v.t.Helper()
	resp, body := v.do("GET", "/devices", nil)
	if resp.StatusCode != http.StatusOK {
		v.t.Fatalf("/devices: %d\n%s", resp.StatusCode, body)
	}
	var rows []deviceRowInfo
	for _, m := range deviceRow.FindAllStringSubmatch(body, -1) {
		rows = append(rows, deviceRowInfo{id: m[2], label: strings.TrimSpace(m[3]), current: m[1] != ""})
	}
	return rows
}

// TestDevicesPageEndsAnotherSessionOfTheUser logs alice in on a laptop and
// a phone, and bob on his own: the phone lists alice's two sessions, its own
// marked, with labels made from the User-Agent; it cannot end bob's session
// nor (from this page) its own; it ends the laptop's, whose next request
// lands on the login page; "sign out of other devices" ends the rest.
func TestDevicesPageEndsAnotherSessionOfTheUser(t *testing.T) {
	srv, _ := startApp(t)
	laptop, phone, bob := newVisitor(t, srv.URL), newVisitor(t, srv.URL), newVisitor(t, srv.URL)
	laptop.ua, phone.ua = uaFirefoxWindows, uaChromeAndroid
	laptop.login("alice", "wonderland")
	phone.login("alice", "wonderland")
	bob.login("bob", "builder")

	rows := phone.devices()
	if len(rows) != 2 {
		t.Fatalf("the phone sees %d sessions, want 2: %+v", len(rows), rows)
	}
	var laptopID, phoneID string
	for _, r := range rows {
		switch {
		case r.current && r.label == "Chrome on Android":
			phoneID = r.id
		case !r.current && r.label == "Firefox on Windows":
			laptopID = r.id
		}
	}
	if laptopID == "" || phoneID == "" || laptopID == phoneID {
		t.Fatalf("want the phone's session (current, Chrome on Android) and the laptop's (Firefox on Windows): %+v", rows)
	}
	_, body := phone.do("GET", "/devices", nil)
	if n := strings.Count(body, "(this device)"); n != 1 {
		t.Errorf(`"(this device)" %d times, want 1`, n)
	}
	for _, raw := range []string{uaChromeAndroid, "127.0.0.1"} {
		if strings.Contains(body, raw) {
			t.Errorf("the page shows %q", raw)
		}
	}
	bobRows := bob.devices()
	if len(bobRows) != 1 || !bobRows[0].current {
		t.Fatalf("bob's devices: %+v", bobRows)
	}

	end := func(v *visitor, id, csrf string) (*http.Response, string) {
		t.Helper()
		return v.do("POST", "/devices/end", url.Values{"csrf_token": {csrf}, "id": {id}})
	}
	// Another user's session is refused, and stays.
	resp, body := end(phone, bobRows[0].id, phone.csrf("/devices"))
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `id="error"`) {
		t.Errorf("ending bob's session: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := bob.do("GET", "/account", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("bob's session ended: /account %d", resp.StatusCode)
	}
	// So is the phone's own (log out ends that one), and a form without
	// the CSRF token.
	if resp, _ := end(phone, phoneID, phone.csrf("/devices")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("ending the current session: %d, want 400", resp.StatusCode)
	}
	if resp, _ := end(phone, laptopID, "forged"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("without the CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := laptop.do("GET", "/account", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the laptop was signed out before the phone ended its session: %d", resp.StatusCode)
	}

	// The phone ends the laptop's session.
	resp, _ = end(phone, laptopID, phone.csrf("/devices"))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/devices" {
		t.Fatalf("ending the laptop's session: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := laptop.do("GET", "/account", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
		t.Errorf("the laptop's next request: %d to %q, want the login page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if rows := phone.devices(); len(rows) != 1 || !rows[0].current || rows[0].id != phoneID {
		t.Errorf("the phone's devices after ending the laptop's: %+v", rows)
	}
	// Again: that session has ended.
	if resp, _ := end(phone, laptopID, phone.csrf("/devices")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("ending it twice: %d, want 404", resp.StatusCode)
	}

	// Sign out of other devices: two more, then none but the phone.
	laptop.login("alice", "wonderland")
	tablet := newVisitor(t, srv.URL)
	tablet.login("alice", "wonderland")
	resp, _ = phone.do("POST", "/devices/end-others", url.Values{"csrf_token": {phone.csrf("/devices")}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("end-others: %d", resp.StatusCode)
	}
	if _, body := phone.do("GET", "/devices", nil); !strings.Contains(body, "Signed out of 2 other devices.") {
		t.Errorf("no flash after signing out of the others:\n%s", body)
	}
	for name, v := range map[string]*visitor{"laptop": laptop, "tablet": tablet} {
		if resp, _ := v.do("GET", "/account", nil); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("the %s is still signed in: %d", name, resp.StatusCode)
		}
	}
	if rows := phone.devices(); len(rows) != 1 || rows[0].id != phoneID {
		t.Errorf("the phone's devices: %+v", rows)
	}
	if resp, _ := bob.do("GET", "/account", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("bob was signed out too: %d", resp.StatusCode)
	}
}

func TestDeviceLabel(t *testing.T) {
	for ua, want := range map[string]string{
		uaFirefoxWindows: "Firefox on Windows",
		uaChromeAndroid:  "Chrome on Android",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                                          "Chrome on Linux",
		"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36":                                  "Chrome on Linux",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0":                  "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15":                          "Safari on macOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1":        "Safari on iOS",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1": "Chrome on iOS",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0":                                                            "Firefox on macOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/114.0.0.0":                  "Opera on Windows",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36":               "Samsung Internet on Android",
		"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36":                                 "Chrome on ChromeOS",
		"curl/8.5.0":         "curl",
		"Go-http-client/1.1": "Unknown device",
		"":                   "Unknown device",
	} {
		if got := deviceLabel(ua); got != want {
			t.Errorf("deviceLabel(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestAgo(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for d, want := range map[time.Duration]string{
		10 * time.Second:               "just now",
		time.Minute:                    "1 minute ago",
		3*time.Minute + 59*time.Second: "3 minutes ago",
		time.Hour:                      "1 hour ago",
		5 * time.Hour:                  "5 hours ago",
		49 * time.Hour:                 "2 days ago",
	} {
		if got := ago(now, now.Add(-d)); got != want {
			t.Errorf("ago(%v) = %q, want %q", d, got, want)
		}
	}
	for _, zero := range []time.Time{{}, time.UnixMilli(0)} {
		if got := ago(now, zero); got != "unknown" {
			t.Errorf("ago(%v) = %q", zero, got)
		}
	}
}

// TestDevicesPageWithCookieSessions: with sessions sealed in the cookie the
// server keeps no list of them, and the page says so instead of failing.
func TestDevicesPageWithCookieSessions(t *testing.T) {
	srv, _ := startAppWith(t, storeConfig{kind: "cookie", cookieKey: make([]byte, 32)})
	v := newVisitor(t, srv.URL)
	v.login("alice", "wonderland")
	resp, body := v.do("GET", "/devices", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "cannot be listed") {
		t.Errorf("/devices with cookie sessions: %d\n%s", resp.StatusCode, body)
	}
	resp, body = v.do("POST", "/devices/end", url.Values{"csrf_token": {v.csrf("/devices")}, "id": {"x"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "cannot be listed") {
		t.Errorf("ending a session with cookie sessions: %d\n%s", resp.StatusCode, body)
	}
}

// TestOldSQLiteIndexGainsItsColumns opens a database whose sessions_users
// an earlier version of the program created, without the columns of times
// and labels: the program adds them, and logins keep working.
func TestOldSQLiteIndexGainsItsColumns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB NOT NULL, expiry REAL NOT NULL);
CREATE TABLE sessions_users (user_id TEXT NOT NULL, token TEXT NOT NULL, expiry REAL NOT NULL, PRIMARY KEY (user_id, token));`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	srv, _ := startAppWith(t, storeConfig{kind: "sqlite3", dbPath: path})
	v := newVisitor(t, srv.URL)
	v.ua = uaFirefoxWindows
	v.login("alice", "wonderland")
	if rows := v.devices(); len(rows) != 1 || rows[0].label != "Firefox on Windows" {
		t.Errorf("devices: %+v", rows)
	}
}
