package sqlstore

import "testing"

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
