package sqlstore

import (
	"testing"
	"time"
)

// TestUserKey checks that the index keeps the SHA-256 of a user ID's bytes
// in lower-case hex, as the stores' READMEs say, for any string.
func TestUserKey(t *testing.T) {
	for id, want := range map[string]string{
		"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"":    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	} {
		if got := UserKey(id); got != want {
			t.Errorf("UserKey(%q) = %s, want %s", id, got, want)
		}
	}
	if UserKey("a\x00") == UserKey("a") || UserKey("\xff") == UserKey("\xfe") {
		t.Error("UserKey gave two IDs one key")
	}
}

// TestUserTime checks that the created and last_active columns keep a time
// to the millisecond, the zero time included, and that a label is never
// passed as NULL.
func TestUserTime(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Date(2026, 12, 7, 10, 0, 0, 123456789, time.FixedZone("x", 3600)), time.Unix(-1, 999e6)} {
		got := UserTimeOf(UserTime(tm))
		if want := tm.Truncate(time.Millisecond).UTC(); got != want {
			t.Errorf("UserTimeOf(UserTime(%v)) = %v, want %v", tm, got, want)
		}
	}
	if UserTimeOf(UserTime(time.Time{})) != (time.Time{}) {
		t.Error("the zero time does not come back zero")
	}
	if b := UserLabel(""); b == nil || len(b) != 0 {
		t.Errorf("UserLabel(\"\") = %#v, want an empty non-nil slice", b)
	}
	if got := string(UserLabel("a\x00\xff")); got != "a\x00\xff" {
		t.Errorf("UserLabel kept %q", got)
	}
}
