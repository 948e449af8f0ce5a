package cookiestore_test

import (
	"testing"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cookiestore"
	"github.com/seed3bbca6c1/scs/internal/doccheck"
)

// doc:begin docs/stores.md
// newSessionManager keeps sessions in the cookie, sealed with newKey and
// opened with newKey or oldKey (16, 24 or 32 bytes each). NewFromSecret
// takes secrets of 32 bytes or more instead, and derives the keys with
// HKDF-SHA256.
func newSessionManager(newKey, oldKey []byte) (*scs.SessionManager, error) {
	store, err := cookiestore.New(newKey, oldKey)
	if err != nil {
		return nil, err
	}
	sessionManager := scs.New()
	sessionManager.Sealer = store.WithLabel("my-app") // the label is optional
	return sessionManager, nil
}

// doc:end

func TestDocsCodeCompiles(t *testing.T) {
	doccheck.Check(t, "docs_test.go", "..", "docs/stores.md")
	if _, err := newSessionManager(make([]byte, 32), make([]byte, 16)); err != nil {
		t.Fatal(err)
	}
}
