package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// device is a row of the devices page: one of the user's sessions.
type device struct {
	ID         string // the session's ID (not its token): what the "Sign out" form posts
	Label      string // "Chrome on Linux"
	Current    bool   // the session of the browser looking at the page
	LastActive string // "3 minutes ago"
	SignedIn   string // "2 days ago"
	Since      string // the time of the login, in full, for the title attribute
}

func newDevice(s scs.UserSession, now time.Time) device {
	d := device{ID: s.ID, Label: s.Label, Current: s.Current, LastActive: ago(now, s.LastActive), SignedIn: ago(now, s.Created)}
	if d.Label == "" {
		d.Label = "Unknown device"
	}
	if s.Created.Unix() > 0 {
		d.Since = s.Created.UTC().Format("2 Jan 2006 15:04 MST")
	}
	if d.Current {
		d.LastActive = "now" // this very request
	}
	return d
}

// ago says how long before now t was, coarsely: "just now", "3 minutes
// ago", "1 hour ago", "2 days ago". A zero t (a store that keeps no time
// of last activity) is "unknown", and so is the Unix epoch.
func ago(now, t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return "unknown" // or an index entry older than its times (the Unix epoch)
	}
	d := now.Sub(t)
	var n int
	var unit string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		n, unit = int(d/time.Minute), "minute"
	case d < 24*time.Hour:
		n, unit = int(d/time.Hour), "hour"
	default:
		n, unit = int(d/(24*time.Hour)), "day"
	}
	if n == 1 {
		return "1 " + unit + " ago"
	}
	return fmt.Sprintf("%d %ss ago", n, unit)
}

// deviceLabel sums a User-Agent header up as "browser on OS", such as
// "Firefox on Windows": enough for a user to tell their devices apart,
// and nothing that identifies them. The order of the tests matters, since
// browsers name each other: Edge's and Opera's strings say Chrome, and
// Chrome's say Safari; iPhones say "like Mac OS X" and Android says Linux.
func deviceLabel(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg", "Edge"}, // Edg/ on Chromium, Edge/ before, EdgA/ and EdgiOS/ on phones
		{"OPR/", "Opera"},
		{"Opera", "Opera"},
		{"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"},
		{"FxiOS/", "Firefox"},
		{"Chrome/", "Chrome"}, // also HeadlessChrome/ and Chromium's Chrome/
		{"CriOS/", "Chrome"},
		{"Safari/", "Safari"},
		{"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Windows", "Windows"},
		{"Android", "Android"},
		{"iPhone", "iOS"},
		{"iPad", "iPadOS"},
		{"CrOS", "ChromeOS"},
		{"Mac OS X", "macOS"},
		{"Macintosh", "macOS"},
		{"Linux", "Linux"},
		{"X11", "Unix"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "A browser on " + system
	}
	return "Unknown device"
}
