package scs

import (
	"context"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"
)

// namedSealer is a Sealer that records the names it is given and binds
// each token to its name.
type namedSealer struct {
	t      *testing.T
	mu     sync.Mutex
	seals  []string
	opens  []string
	expiry map[string]time.Time
}

func (f *namedSealer) Seal(name string, b []byte, expiry time.Time) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seals = append(f.seals, name)
	tok := name + "." + hex.EncodeToString(b)
	f.expiry[tok] = expiry
	return tok, nil
}

func (f *namedSealer) Open(name, token string) ([]byte, time.Time, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opens = append(f.opens, name)
	hexData, ok := strings.CutPrefix(token, name+".")
	expiry, known := f.expiry[token]
	if !ok || !known {
		return nil, time.Time{}, false, nil
	}
	b, err := hex.DecodeString(hexData)
	return b, expiry, err == nil, nil
}

func TestSealerGetsCookieName(t *testing.T) {
	st := &namedSealer{t: t, expiry: map[string]time.Time{}}
	m := New()
	m.Sealer = st
	m.Cookie.Name = "sid"
	ctx, err := m.Load(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	m.Put(ctx, "k", "v")
	tok, expiry, err := m.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "sid.") || len(st.seals) != 1 || st.seals[0] != "sid" {
		t.Fatalf("Seal names %v, token %q; want one, sid", st.seals, tok)
	}
	ctx, err = m.Load(context.Background(), tok)
	if err != nil || m.GetString(ctx, "k") != "v" {
		t.Fatalf("reloaded: %q, %v", m.GetString(ctx, "k"), err)
	}
	if len(st.opens) != 1 || st.opens[0] != "sid" {
		t.Fatalf("Open names %v, want [sid]", st.opens)
	}

	// Another manager, another cookie name: the token does not open there.
	other := New()
	other.Sealer = st
	other.Cookie.Name = "admin"
	ctx, err = other.Load(context.Background(), tok)
	if err != nil || other.GetString(ctx, "k") != "" || other.Token(ctx) != "" {
		t.Fatalf("another name loaded %q (token %q), %v", other.GetString(ctx, "k"), other.Token(ctx), err)
	}
	if st.opens[len(st.opens)-1] != "admin" {
		t.Fatalf("Open names %v, want admin last", st.opens)
	}

	// Open's expiry reaches IdleRefreshInterval: a read-only request on a
	// freshly sealed session does not reseal it.
	m.IdleTimeout = time.Hour
	m.IdleRefreshInterval = time.Minute
	ctx, _ = m.Load(context.Background(), "")
	m.Put(ctx, "k", "w")
	tok, _, _ = m.Commit(ctx)
	ctx, _ = m.Load(context.Background(), tok)
	if s := m.Status(ctx); s != Unmodified {
		t.Fatalf("status after loading a fresh sealed session = %v, want Unmodified (expiry %v)", s, expiry)
	}
}
