package kvtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// UserIndexEntries checks the index of user sessions of a Redis store,
// st, whose sorted set of a user is at userKey(user), with zadd and zcard
// running those commands on its Redis: entries keep their times to the
// millisecond and their label as given (NUL, invalid UTF-8), adding a token
// again replaces its one member, a bare member of the first layout lists
// with zero times and is replaced by an add, removing a token removes its
// bare member and its entry, expired entries neither list nor stay, and a
// token with a NUL is refused.
func UserIndexEntries(t *testing.T, st scs.UserIndexStore, userKey func(user string) string, zadd func(t *testing.T, key string, score int64, member string), zcard func(t *testing.T, key string) int) {
	ctx := context.Background()
	user := "carol:" + storetest.Token(t)[:8]
	key := userKey(user)
	now := time.Now()
	ms := func(d time.Duration) time.Time { return time.UnixMilli(now.Add(d).UnixMilli()) }
	tokA, tokB, tokC := storetest.Token(t), storetest.Token(t), storetest.Token(t)
	label := "\x00a\x00b;\"é\xff" + strings.Repeat("x", scs.MaxUserLabel-10)
	add := func(e scs.UserIndexEntry) {
		t.Helper()
		if err := st.AddUserSession(ctx, user, e); err != nil {
			t.Fatal(err)
		}
	}
	list := func(want ...scs.UserIndexEntry) {
		t.Helper()
		got, err := st.UserSessions(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("UserSessions = %+v, want %+v", got, want)
		}
		byToken := make(map[string]scs.UserIndexEntry)
		for _, e := range got {
			byToken[e.Token] = e
		}
		for _, w := range want {
			g, ok := byToken[w.Token]
			if !ok || !g.Expiry.Equal(w.Expiry) || !g.Created.Equal(w.Created) || g.Created.IsZero() != w.Created.IsZero() ||
				!g.LastActive.Equal(w.LastActive) || g.LastActive.IsZero() != w.LastActive.IsZero() || g.Label != w.Label {
				t.Fatalf("UserSessions has %+v, want %+v", g, w)
			}
		}
	}
	a1 := scs.UserIndexEntry{Token: tokA, Expiry: ms(time.Hour), Created: ms(-time.Hour), LastActive: ms(-time.Minute), Label: label}
	add(a1)
	list(a1)
	a2 := scs.UserIndexEntry{Token: tokA, Expiry: ms(2 * time.Hour), Created: ms(-time.Hour), LastActive: ms(0), Label: "Safari"}
	add(a2)
	list(a2)
	if n := zcard(t, key); n != 1 {
		t.Fatalf("ZCARD after replacing = %d, want 1", n)
	}
	// A bare member, as the first layout wrote, lists with zero times; an
	// entry added for its token replaces it.
	zadd(t, key, ms(time.Hour).UnixMilli(), tokB)
	list(a2, scs.UserIndexEntry{Token: tokB, Expiry: ms(time.Hour)})
	b := scs.UserIndexEntry{Token: tokB, Expiry: ms(3 * time.Hour), Created: ms(-time.Hour), LastActive: ms(0)}
	add(b)
	list(a2, b)
	if n := zcard(t, key); n != 2 {
		t.Fatalf("ZCARD after replacing a bare member = %d, want 2", n)
	}
	// Removing a token removes its bare member and its entry.
	zadd(t, key, ms(time.Hour).UnixMilli(), tokA)
	add(scs.UserIndexEntry{Token: tokC, Expiry: ms(time.Hour)})
	if err := st.RemoveUserSessions(ctx, user, []string{tokA, "missing"}); err != nil {
		t.Fatal(err)
	}
	list(b, scs.UserIndexEntry{Token: tokC, Expiry: ms(time.Hour)})
	// An expired entry neither lists nor stays.
	add(scs.UserIndexEntry{Token: tokC, Expiry: ms(-time.Second)})
	list(b)
	if err := st.RemoveUserSessions(ctx, user, []string{tokB}); err != nil {
		t.Fatal(err)
	}
	list()
	if n := zcard(t, key); n != 0 {
		t.Fatalf("ZCARD after removing all = %d, want 0", n)
	}
	if err := st.AddUserSession(ctx, user, scs.UserIndexEntry{Token: "a\x00b", Expiry: ms(time.Hour)}); err == nil {
		t.Fatal("AddUserSession took a token with a NUL")
	}
}
