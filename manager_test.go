package scs

import (
	"net/http"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs/memstore"
)

func TestNewDefaults(t *testing.T) {
	s := New()
	if s.Lifetime != 24*time.Hour || s.IdleTimeout != 0 || s.HashTokenInStore {
		t.Errorf("timeouts: Lifetime %v IdleTimeout %v Hash %v", s.Lifetime, s.IdleTimeout, s.HashTokenInStore)
	}
	if _, ok := s.Store.(*memstore.MemStore); !ok {
		t.Errorf("Store is %T, want *memstore.MemStore", s.Store)
	}
	if _, ok := s.Codec.(GobCodec); !ok {
		t.Errorf("Codec is %T, want GobCodec", s.Codec)
	}
	want := SessionCookie{Name: "session", HttpOnly: true, Path: "/", SameSite: http.SameSiteLaxMode, Persist: true}
	if s.Cookie != want {
		t.Errorf("Cookie = %+v, want %+v", s.Cookie, want)
	}
	if s.ErrorFunc == nil {
		t.Error("ErrorFunc is nil")
	}
	if NewSession().Cookie != want {
		t.Error("NewSession differs from New")
	}
	if Unmodified != 0 || Modified != 1 || Destroyed != 2 {
		t.Error("Status constants out of order")
	}
}
