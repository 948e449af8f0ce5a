package scs

import (
	"context"
	"time"
)

// [StoreAs] finds in store the capability T, an interface such as [UpdateStore]
// or [ExpiryStore], as errors.As finds an error: it returns store itself when
// store implements T, and otherwise looks at the store that store wraps, if
// store has a method Unwrap() Store, and so on down. A store made by
// [WrapStore] has T when the store it wraps has it, and then [StoreAs] returns
// the wrapper, so that calls keep going through it.
//
// The SessionManager and the storetest kit find every optional capability
// with [StoreAs]. A wrapper that implements only Store, and has an Unwrap
// method, keeps every guarantee of the store it wraps (its other calls go
// to that store directly); one without Unwrap hides them, and the manager
// says so ([EventWeakStore]). [WrapStore] keeps them and sees every call.
func StoreAs[T any](store Store) (T, bool) {
	var zero T
	for store != nil {
		if w, ok := store.(*wrappedStore); ok {
			return wrappedAs[T](w)
		}
		if t, ok := any(store).(T); ok {
			return t, true
		}
		u, ok := store.(interface{ Unwrap() Store })
		if !ok {
			break
		}
		store = u.Unwrap()
	}
	return zero, false
}

// wrappedAs is [StoreAs] for a store made by [WrapStore].
func wrappedAs[T any](w *wrappedStore) (T, bool) {
	var zero T
	switch any((*T)(nil)).(type) {
	case *Store, *CtxStore:
		return any(w).(T), true
	case *IterableStore, *IterableCtxStore:
		if w.iter == nil && w.iterCtx == nil {
			return zero, false
		}
		return any(w).(T), true
	}
	if _, ok := StoreAs[T](w.inner); !ok {
		return zero, false
	}
	if t, ok := any(w).(T); ok {
		return t, true
	}
	return StoreAs[T](w.inner) // a capability WrapStore does not know
}

// [WrapStore] returns a Store that passes every call to store through around,
// and that has every capability store has (see [StoreAs]), no more: the way
// to add metrics, tracing, logging or a cache to a store without losing a
// guarantee. around receives the request's context (bounded by
// StoreTimeout), the operation's name ("Find", "Commit", "Delete", "All",
// "FindExpiry", "Update", "CompareAndSwap", "AddUserSession",
// "RemoveUserSessions" or "UserSessions") and call, which makes the call
// with the context it is given and returns its error; around returns what
// the store call should return as its error, usually call's.
func WrapStore(store Store, around func(ctx context.Context, op string, call func(ctx context.Context) error) error) Store {
	w := &wrappedStore{inner: store, around: around}
	w.ctx, _ = StoreAs[CtxStore](store)
	w.iter, _ = StoreAs[IterableStore](store)
	w.iterCtx, _ = StoreAs[IterableCtxStore](store)
	w.expiry, _ = StoreAs[ExpiryStore](store)
	w.update, _ = StoreAs[UpdateStore](store)
	w.index, _ = StoreAs[UserIndexStore](store)
	return w
}

// wrappedStore is what [WrapStore] returns. It implements every store
// interface; [StoreAs] reports only those the wrapped store has.
type wrappedStore struct {
	inner  Store
	around func(ctx context.Context, op string, call func(ctx context.Context) error) error

	ctx     CtxStore
	iter    IterableStore
	iterCtx IterableCtxStore
	expiry  ExpiryStore
	update  UpdateStore
	index   UserIndexStore
}

// Unwrap returns the wrapped store.
func (w *wrappedStore) Unwrap() Store { return w.inner }

func (w *wrappedStore) Find(token string) ([]byte, bool, error) {
	return w.FindCtx(context.Background(), token)
}

func (w *wrappedStore) Commit(token string, b []byte, expiry time.Time) error {
	return w.CommitCtx(context.Background(), token, b, expiry)
}

func (w *wrappedStore) Delete(token string) error {
	return w.DeleteCtx(context.Background(), token)
}

func (w *wrappedStore) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	err = w.around(ctx, "Find", func(ctx context.Context) (err error) {
		if w.ctx != nil {
			b, found, err = w.ctx.FindCtx(ctx, token)
		} else if err = ctx.Err(); err == nil {
			b, found, err = w.inner.Find(token)
		}
		return err
	})
	return b, found, err
}

func (w *wrappedStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	return w.around(ctx, "Commit", func(ctx context.Context) error {
		if w.ctx != nil {
			return w.ctx.CommitCtx(ctx, token, b, expiry)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.inner.Commit(token, b, expiry)
	})
}

func (w *wrappedStore) DeleteCtx(ctx context.Context, token string) error {
	return w.around(ctx, "Delete", func(ctx context.Context) error {
		if w.ctx != nil {
			return w.ctx.DeleteCtx(ctx, token)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return w.inner.Delete(token)
	})
}

func (w *wrappedStore) All() (map[string][]byte, error) {
	return w.AllCtx(context.Background())
}

func (w *wrappedStore) AllCtx(ctx context.Context) (all map[string][]byte, err error) {
	err = w.around(ctx, "All", func(ctx context.Context) (err error) {
		switch {
		case w.iterCtx != nil:
			all, err = w.iterCtx.AllCtx(ctx)
		case w.iter != nil:
			if err = ctx.Err(); err == nil {
				all, err = w.iter.All()
			}
		default:
			err = ErrNotIterable
		}
		return err
	})
	return all, err
}

func (w *wrappedStore) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	err = w.around(ctx, "FindExpiry", func(ctx context.Context) (err error) {
		b, expiry, found, err = w.expiry.FindExpiry(ctx, token)
		return err
	})
	return b, expiry, found, err
}

func (w *wrappedStore) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	err = w.around(ctx, "Update", func(ctx context.Context) (err error) {
		found, err = w.update.Update(ctx, token, b, expiry)
		return err
	})
	return found, err
}

func (w *wrappedStore) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	err = w.around(ctx, "CompareAndSwap", func(ctx context.Context) (err error) {
		swapped, err = w.update.CompareAndSwap(ctx, token, old, b, expiry)
		return err
	})
	return swapped, err
}

func (w *wrappedStore) AddUserSession(ctx context.Context, userID string, entry UserIndexEntry) error {
	return w.around(ctx, "AddUserSession", func(ctx context.Context) error {
		return w.index.AddUserSession(ctx, userID, entry)
	})
}

func (w *wrappedStore) RemoveUserSessions(ctx context.Context, userID string, tokens []string) error {
	return w.around(ctx, "RemoveUserSessions", func(ctx context.Context) error {
		return w.index.RemoveUserSessions(ctx, userID, tokens)
	})
}

func (w *wrappedStore) UserSessions(ctx context.Context, userID string) (entries []UserIndexEntry, err error) {
	err = w.around(ctx, "UserSessions", func(ctx context.Context) (err error) {
		entries, err = w.index.UserSessions(ctx, userID)
		return err
	})
	return entries, err
}
