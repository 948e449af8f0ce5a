package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestInABrowser drives headless Chromium through the application: the
// session cookie's attributes in the browser's jar, HttpOnly against
// document.cookie, a reload, a flash shown once, a cross-site form refused,
// logout seen by a second tab, the Back button after logout, "remember me"
// and "log out everywhere" across two browser profiles. Screenshots of key
// pages are saved as PNG files in a new temporary folder that is kept, and
// their paths logged.
func TestInABrowser(t *testing.T) {
	chromium := lookChromium(t)

	// The application on 127.0.0.1, recording whether each note POST came
	// with the session cookie.
	srv, _ := startApp(t)
	var mu sync.Mutex
	var notePostCookies []bool
	inner := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/account/note" {
			_, err := r.Cookie("webapp_session")
			mu.Lock()
			notePostCookies = append(notePostCookies, err == nil)
			mu.Unlock()
		}
		inner.ServeHTTP(w, r)
	})
	appURL := srv.URL

	// An attacker's site on 127.0.0.2: another host, so another site (for
	// IP addresses the whole host is the site), with a form that posts to
	// the application.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatalf("listen on 127.0.0.2: %v", err)
	}
	evil := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Win a prize</title>
<form method="post" action="%s/account/note">
<input type="hidden" name="note" value="pwned"><input type="hidden" name="csrf_token" value="guess">
<button id="claim">Claim your prize</button></form>`, appURL)
	}))
	evil.Listener.Close()
	evil.Listener = ln
	evil.Start()
	t.Cleanup(evil.Close)

	b, tabA := newBrowser(t, chromium, appURL, "webapp-screenshots-")

	// Log in without "remember me".
	b.do(tabA, chromedp.Navigate(appURL+"/login"))
	b.shot(tabA, "1-login")
	b.login(tabA, "alice", "wonderland", false)
	if got := b.text(tabA, "#flash"); got != "Welcome back, alice!" {
		t.Errorf("flash after login %q", got)
	}
	b.shot(tabA, "2-account")

	c := b.sessionCookie(tabA)
	if c == nil {
		t.Fatal("no webapp_session cookie in the browser's jar")
	}
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/" || c.Domain != "127.0.0.1" || c.Secure || len(c.Value) != 43 {
		t.Errorf("cookie attributes: HttpOnly %v, SameSite %q, Path %q, Domain %q, Secure %v, value of %d characters",
			c.HTTPOnly, c.SameSite, c.Path, c.Domain, c.Secure, len(c.Value))
	}
	if !c.Session {
		t.Errorf("without remember me the cookie should end with the browser; it expires at %v", c.Expires)
	}
	if jsCookies := b.eval(tabA, "document.cookie"); strings.Contains(jsCookies, "webapp_session") {
		t.Errorf("document.cookie reads the session cookie: %q", jsCookies)
	}

	// A reload keeps the login, and the flash is gone.
	b.do(tabA, chromedp.Reload())
	if !b.present(tabA, "#private") || b.present(tabA, "#flash") {
		t.Errorf("after reload: private page %v, flash %v; want true, false", b.present(tabA, "#private"), b.present(tabA, "#flash"))
	}

	// A cross-site form post is refused, and arrives without the cookie.
	b.do(tabA, chromedp.Navigate(evil.URL))
	b.click(tabA, "#claim")
	if loc := b.eval(tabA, "location.href"); loc != appURL+"/account/note" || !b.present(tabA, "#forbidden") {
		t.Errorf("cross-site post ended on %s without the Forbidden page", loc)
	}
	b.shot(tabA, "3-cross-site-refused")
	mu.Lock()
	if len(notePostCookies) != 1 || notePostCookies[0] {
		t.Errorf("note POSTs with cookie: %v; want one, without (SameSite=Lax)", notePostCookies)
	}
	mu.Unlock()
	b.do(tabA, chromedp.Navigate(appURL+"/account"))
	if !b.present(tabA, "#private") {
		t.Fatal("the cross-site post logged the user out")
	}
	if note := b.text(tabA, "#note"); note != "" {
		t.Errorf("the cross-site post saved note %q", note)
	}

	// A second tab shares the login; logging out in the first ends it.
	tabB, cancelB := chromedp.NewContext(tabA)
	defer cancelB()
	b.do(tabB, chromedp.Navigate(appURL+"/account"))
	if !b.present(tabB, "#private") {
		t.Fatal("the second tab is not logged in")
	}
	b.click(tabA, "#logout")
	if got := b.text(tabA, "#flash"); got != "You have been logged out." {
		t.Errorf("flash after logout %q", got)
	}
	b.do(tabB, chromedp.Reload())
	if loc := b.eval(tabB, "location.pathname"); loc != "/login" || b.present(tabB, "#private") {
		t.Errorf("second tab after logout in the first: %s", loc)
	}

	// Back, to the private page seen before logging out: it is not shown
	// from a cache; the browser asks again and is sent to the login page.
	b.do(tabA, chromedp.NavigateBack())
	if b.present(tabA, "#private") {
		t.Error("Back after logout shows the private page")
	}
	if loc := b.eval(tabA, "location.pathname"); loc != "/login" {
		t.Errorf("Back after logout went to %s, want /login", loc)
	}
	b.shot(tabA, "4-back-after-logout")

	// Two devices: separate browser profiles, each with its own jar. One
	// asks to be remembered; the other logs out everywhere.
	laptop, cancelL := chromedp.NewContext(tabA, chromedp.WithNewBrowserContext())
	defer cancelL()
	phone, cancelP := chromedp.NewContext(tabA, chromedp.WithNewBrowserContext())
	defer cancelP()
	b.do(laptop, chromedp.Navigate(appURL+"/login"))
	b.login(laptop, "alice", "wonderland", true)
	// A persistent cookie, expiring with the session's 2-hour idle timeout
	// (each request moves it on, up to the 7-day Lifetime).
	if c := b.sessionCookie(laptop); c == nil || c.Session || time.Until(time.Unix(int64(c.Expires), 0)) < time.Hour {
		t.Errorf("remember me: cookie %+v, want a persistent one", c)
	}
	b.do(phone, chromedp.Navigate(appURL+"/login"))
	b.login(phone, "alice", "wonderland", false)
	b.click(phone, "#logout-everywhere")
	b.do(laptop, chromedp.Reload())
	if b.present(laptop, "#private") {
		t.Error("the laptop is still logged in after logging out everywhere on the phone")
	}
	b.shot(laptop, "5-logged-out-everywhere")
}

// TestDevicesInABrowser logs alice in from two browser profiles, A and B,
// each with its own cookie jar; A says it is Firefox on Windows. B's Devices
// page lists both sessions, its own as "this device" and A's under its
// label; B signs A out, and A's next page load lands on the login page.
// Screenshots of B's Devices page before and after are saved.
func TestDevicesInABrowser(t *testing.T) {
	chromium := lookChromium(t)
	srv, _ := startApp(t)
	appURL := srv.URL
	b, tab := newBrowser(t, chromium, appURL, "webapp-devices-screenshots-")
	b.do(tab, chromedp.Navigate("about:blank")) // starts the browser, for the profiles below

	profileA, cancelA := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	defer cancelA()
	profileB, cancelB := chromedp.NewContext(tab, chromedp.WithNewBrowserContext())
	defer cancelB()
	if _, err := chromedp.Call(profileA, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: uaFirefoxWindows}); err != nil {
		t.Fatal(err)
	}
	b.do(profileA, chromedp.Navigate(appURL+"/login"))
	b.login(profileA, "alice", "wonderland", false)
	b.do(profileB, chromedp.Navigate(appURL+"/login"))
	b.login(profileB, "alice", "wonderland", false)

	b.do(profileB, chromedp.Navigate(appURL+"/devices"))
	if n := b.eval(profileB, `String(document.querySelectorAll("tr.session").length) + "/" + document.querySelectorAll("tr.session.current").length`); n != "2/1" {
		t.Fatalf("B's devices page: %s sessions/current, want 2/1", n)
	}
	if got := b.text(profileB, "tr.session.current td.label"); got != "Chrome on Linux (this device)" {
		t.Errorf("B's own row %q", got)
	}
	if got := b.text(profileB, "tr.session:not(.current) td.label"); got != "Firefox on Windows" {
		t.Errorf("A's row on B's page %q", got)
	}
	b.shot(profileB, "1-devices-before")

	b.click(profileB, "tr.session:not(.current) button.end")
	if got := b.text(profileB, "#flash"); got != "That device has been signed out." {
		t.Errorf("flash after ending A's session %q", got)
	}
	if n := b.eval(profileB, `String(document.querySelectorAll("tr.session").length)`); n != "1" || !b.present(profileB, "tr.session.current") {
		t.Errorf("B's devices page after ending A: %s sessions", n)
	}
	b.shot(profileB, "2-devices-after")

	b.do(profileA, chromedp.Navigate(appURL+"/account"))
	if loc := b.eval(profileA, "location.pathname"); loc != "/login" || b.present(profileA, "#private") {
		t.Errorf("A's next page load after B ended its session: %s, want /login", loc)
	}
	b.shot(profileA, "3-a-signed-out")
	b.do(profileB, chromedp.Navigate(appURL+"/account"))
	if !b.present(profileB, "#private") {
		t.Error("B was signed out too")
	}
}

// newBrowser starts headless Chromium for a test, bounded to 45 seconds and
// stopped when the test ends, and returns the helpers and its first tab.
// Screenshots go to a new temporary folder named with prefix, which outlives
// the test, for a person to look at.
func newBrowser(t *testing.T, chromium, appURL, prefix string) (*browser, context.Context) {
	t.Helper()
	shots, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox, // Chromium refuses to run as root with its sandbox
		chromedp.WindowSize(1000, 700),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := context.WithTimeout(allocCtx, 45*time.Second)
	t.Cleanup(cancel)
	tab, cancelTab := chromedp.NewContext(ctx)
	t.Cleanup(cancelTab)
	return &browser{t: t, appURL: appURL, shots: shots}, tab
}

// browser holds the helpers of the browser tests; each fails the test on
// error.
type browser struct {
	t      *testing.T
	appURL string
	shots  string
}

func (b *browser) do(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// click clicks the element and waits for the page it leads to.
func (b *browser) click(ctx context.Context, sel string) {
	b.t.Helper()
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
}

func (b *browser) login(ctx context.Context, name, password string, remember bool) {
	b.t.Helper()
	b.do(ctx,
		chromedp.SetValue(chromedp.CSS("#username"), name),
		chromedp.SetValue(chromedp.CSS("#password"), password),
	)
	if remember {
		b.do(ctx, chromedp.Click(chromedp.CSS("#remember")))
	}
	b.click(ctx, "#submit")
	if !b.present(ctx, "#private") {
		b.t.Fatalf("login as %s did not reach the account page", name)
	}
}

func (b *browser) eval(ctx context.Context, js string) string {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

func (b *browser) present(ctx context.Context, sel string) bool {
	b.t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func (b *browser) text(ctx context.Context, sel string) string {
	b.t.Helper()
	return b.eval(ctx, fmt.Sprintf("(document.querySelector(%q) || {textContent: ''}).textContent", sel))
}

// sessionCookie is the session cookie in the jar of ctx's browser profile,
// as DevTools reports it, or nil.
func (b *browser) sessionCookie(ctx context.Context) *network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.appURL}})
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range res.Cookies {
		if c.Name == "webapp_session" {
			return c
		}
	}
	return nil
}

func (b *browser) shot(ctx context.Context, name string) {
	b.t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
}

// TestCookieStoreInABrowser drives headless Chromium through the
// application with its sessions sealed in the cookie (cookiestore): the
// sealed cookie lands in the jar, HttpOnly and SameSite=Lax as with a
// server-side store; a reload keeps the login and a note saved in it; a
// cookie edited in the jar is refused; logging out expires the cookie; and
// "log out everywhere" says that other devices cannot be reached.
func TestCookieStoreInABrowser(t *testing.T) {
	chromium := lookChromium(t)
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	srv, _ := startAppWith(t, storeConfig{kind: "cookie", cookieKey: key})
	appURL := srv.URL
	b, tab := newBrowser(t, chromium, appURL, "webapp-cookie-screenshots-")

	b.do(tab, chromedp.Navigate(appURL+"/login"))
	b.login(tab, "alice", "wonderland", false)
	c := b.sessionCookie(tab)
	if c == nil {
		t.Fatal("no webapp_session cookie in the browser's jar")
	}
	// A sealed session is longer than a 43-character token.
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || len(c.Value) <= 43 {
		t.Errorf("sealed cookie: HttpOnly %v, SameSite %q, value of %d characters", c.HTTPOnly, c.SameSite, len(c.Value))
	}
	if jsCookies := b.eval(tab, "document.cookie"); strings.Contains(jsCookies, "webapp_session") {
		t.Errorf("document.cookie reads the sealed cookie: %q", jsCookies)
	}

	// A note lives in the cookie and survives a reload.
	csrf := b.eval(tab, `document.querySelector("input[name=csrf_token]").value`)
	if csrf == "" {
		t.Fatal("no CSRF token on the account page")
	}
	b.do(tab, chromedp.SetValue(chromedp.CSS("#note-input"), "kept in the cookie"))
	b.click(tab, "#save-note")
	b.do(tab, chromedp.Reload())
	if note := b.text(tab, "#note"); note != "kept in the cookie" {
		t.Errorf("note after reload %q", note)
	}
	b.shot(tab, "1-cookie-account")

	// A cookie edited in the jar fails to open: an anonymous visitor.
	sealed := b.sessionCookie(tab).Value
	edited := []byte(sealed)
	if edited[len(edited)/2] == 'A' {
		edited[len(edited)/2] = 'B'
	} else {
		edited[len(edited)/2] = 'A'
	}
	b.setSessionCookie(tab, string(edited))
	b.do(tab, chromedp.Navigate(appURL+"/account"))
	if b.present(tab, "#private") {
		t.Error("an edited sealed cookie still opened the account page")
	}
	b.setSessionCookie(tab, sealed)
	b.do(tab, chromedp.Navigate(appURL+"/account"))
	if !b.present(tab, "#private") {
		t.Fatal("the original sealed cookie no longer opens the account page")
	}

	// Log out everywhere: this browser is logged out, and the page says
	// that other devices keep their cookies until they expire.
	b.click(tab, "#logout-everywhere")
	if got := b.text(tab, "#flash"); !strings.Contains(got, "cannot be ended on other devices") {
		t.Errorf("flash after logging out everywhere with cookie sessions: %q", got)
	}
	b.shot(tab, "2-cookie-logged-out")
	b.do(tab, chromedp.Navigate(appURL+"/account"))
	if b.present(tab, "#private") {
		t.Error("still logged in after logging out")
	}
}

// lookChromium returns the path of chromium, failing the test in CI when it
// is missing and skipping it elsewhere.
func lookChromium(t *testing.T) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (scripts/services/80-chromium.sh installs it)")
		}
		t.Skip("chromium is not in PATH; scripts/services/80-chromium.sh installs it (with CI=true this test fails instead)")
	}
	return chromium
}

// setSessionCookie puts value in the jar of ctx's browser profile as the
// session cookie, as a user editing their cookies would.
func (b *browser) setSessionCookie(ctx context.Context, value string) {
	b.t.Helper()
	httpOnly := true
	params := network.SetCookieParams{Name: "webapp_session", Value: value, URL: b.appURL, HTTPOnly: &httpOnly}
	if _, err := chromedp.Call(ctx, network.SetCookie, params); err != nil {
		b.t.Fatal(err)
	}
}
