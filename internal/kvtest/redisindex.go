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

// UserIndexApart gives userA a session in a and userB one in b, two stores
// (named nameA and nameB in messages, such as by their key prefixes) that
// share one engine and keep indexes of user sessions, then checks that each
// manager lists and destroys only its own user's session.
func UserIndexApart(t *testing.T, a scs.Store, nameA, userA string, b scs.Store, nameB, userB string) {
	t.Helper()
	ctx := context.Background()
	expiry := time.Now().Add(time.Minute)
	tokA, tokB := storetest.Token(t), storetest.Token(t)
	for _, e := range []struct {
		st          scs.Store
		user, token string
	}{{a, userA, tokA}, {b, userB, tokB}} {
		st, user, token := e.st, e.user, e.token
		ix, ok := scs.StoreAs[scs.UserIndexStore](st)
		if !ok {
			t.Fatalf("%T keeps no index of user sessions", st)
		}
		if err := st.Commit(token, []byte("data"), expiry); err != nil {
			t.Fatal(err)
		}
		if err := ix.AddUserSession(ctx, user, scs.UserIndexEntry{Token: token, Expiry: expiry}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			st.Delete(token)
			ix.RemoveUserSessions(ctx, user, []string{token})
		})
	}
	smA, smB := scs.New(), scs.New()
	smA.Store, smB.Store = a, b
	if ids, err := smA.UserSessions(ctx, userA); err != nil || len(ids) != 1 {
		t.Fatalf("UserSessions(%q) on %q = %q, %v; want one session", userA, nameA, ids, err)
	}
	if n, err := smA.DestroyUser(ctx, userA); err != nil || n != 1 {
		t.Fatalf("DestroyUser(%q) on %q = %d, %v; want 1", userA, nameA, n, err)
	}
	if _, found, _ := a.Find(tokA); found {
		t.Errorf("DestroyUser(%q) on %q left its session", userA, nameA)
	}
	if _, found, _ := b.Find(tokB); !found {
		t.Fatalf("DestroyUser(%q) on %q deleted the session of %q on %q", userA, nameA, userB, nameB)
	}
	if n, err := smB.DestroyUser(ctx, userB); err != nil || n != 1 {
		t.Fatalf("DestroyUser(%q) on %q = %d, %v; want 1", userB, nameB, n, err)
	}
	if _, found, _ := b.Find(tokB); found {
		t.Errorf("DestroyUser(%q) on %q left its session", userB, nameB)
	}
}
