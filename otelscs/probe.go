package otelscs

import (
	"context"
	"time"

	"github.com/seed3bbca6c1/scs"
)

// The probe sits between scs.WrapStore and the store: it passes every call
// on unchanged, and notes in the call's context the results that WrapStore's
// function does not see (found, swapped). It implements Store and CtxStore,
// which WrapStore reports for every store anyway, plus ExpiryStore and
// UpdateStore only when the store has them (four types, one per
// combination); every other capability WrapStore finds below it through
// Unwrap, as scs.StoreAs does. So the instrumented store has exactly the
// capabilities of the store, and the kit's capability checks hold.

// probe is the part every combination shares.
type probe struct {
	inner scs.Store
	ctx   scs.CtxStore // nil when inner has no context methods
}

// expiryPart adds ExpiryStore.
type expiryPart struct{ expiry scs.ExpiryStore }

// updatePart adds UpdateStore.
type updatePart struct{ update scs.UpdateStore }

type (
	probeExpiry struct {
		*probe
		expiryPart
	}
	probeUpdate struct {
		*probe
		updatePart
	}
	probeBoth struct {
		*probe
		expiryPart
		updatePart
	}
)

// newProbe returns the probe for store, with exactly its ExpiryStore and
// UpdateStore capabilities.
func newProbe(store scs.Store) scs.Store {
	p := &probe{inner: store}
	p.ctx, _ = scs.StoreAs[scs.CtxStore](store)
	e, hasExpiry := scs.StoreAs[scs.ExpiryStore](store)
	u, hasUpdate := scs.StoreAs[scs.UpdateStore](store)
	switch {
	case hasExpiry && hasUpdate:
		return probeBoth{p, expiryPart{e}, updatePart{u}}
	case hasExpiry:
		return probeExpiry{p, expiryPart{e}}
	case hasUpdate:
		return probeUpdate{p, updatePart{u}}
	}
	return p
}

// instrumented reports whether Instrument has wrapped store, or a store
// that store wraps.
func instrumented(store scs.Store) bool {
	for store != nil {
		switch store.(type) {
		case *probe, probeExpiry, probeUpdate, probeBoth:
			return true
		}
		u, ok := store.(interface{ Unwrap() scs.Store })
		if !ok {
			return false
		}
		store = u.Unwrap()
	}
	return false
}

// Unwrap returns the store the probe passes calls to.
func (p *probe) Unwrap() scs.Store { return p.inner }

func (p *probe) Find(token string) ([]byte, bool, error) { return p.inner.Find(token) }

func (p *probe) Commit(token string, b []byte, expiry time.Time) error {
	return p.inner.Commit(token, b, expiry)
}

func (p *probe) Delete(token string) error { return p.inner.Delete(token) }

func (p *probe) FindCtx(ctx context.Context, token string) (b []byte, found bool, err error) {
	if p.ctx != nil {
		b, found, err = p.ctx.FindCtx(ctx, token)
	} else if err = ctx.Err(); err == nil {
		b, found, err = p.inner.Find(token)
	}
	if err == nil && !found {
		note(ctx, OutcomeNotFound)
	}
	return b, found, err
}

func (p *probe) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	if p.ctx != nil {
		return p.ctx.CommitCtx(ctx, token, b, expiry)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.inner.Commit(token, b, expiry)
}

func (p *probe) DeleteCtx(ctx context.Context, token string) error {
	if p.ctx != nil {
		return p.ctx.DeleteCtx(ctx, token)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return p.inner.Delete(token)
}

func (e expiryPart) FindExpiry(ctx context.Context, token string) (b []byte, expiry time.Time, found bool, err error) {
	b, expiry, found, err = e.expiry.FindExpiry(ctx, token)
	if err == nil && !found {
		note(ctx, OutcomeNotFound)
	}
	return b, expiry, found, err
}

func (u updatePart) Update(ctx context.Context, token string, b []byte, expiry time.Time) (found bool, err error) {
	found, err = u.update.Update(ctx, token, b, expiry)
	if err == nil && !found {
		note(ctx, OutcomeNotFound)
	}
	return found, err
}

func (u updatePart) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (swapped bool, err error) {
	swapped, err = u.update.CompareAndSwap(ctx, token, old, b, expiry)
	if err == nil && !swapped {
		note(ctx, OutcomeNotSwapped)
	}
	return swapped, err
}
