// Package otelscs reports the sessions of an scs.SessionManager to
// OpenTelemetry: metrics of session lifecycle events and of store calls, and
// a span for each store call.
//
// One call sets it up, after the manager's Store (and Sealer, if any) is set
// and before the manager serves requests:
//
//	sessionManager := scs.New()
//	sessionManager.Store = redisstore.New(pool)
//	if err := otelscs.Instrument(sessionManager); err != nil {
//		log.Fatal(err)
//	}
//
// Instrument wraps the Store with scs.WrapStore, so the store keeps every
// capability it has (UpdateStore, ExpiryStore, UserIndexStore and the
// others; a logout still sticks), and chains itself before the manager's
// OnEvent, which keeps being called. Without options it uses the global
// providers (otel.GetMeterProvider and otel.GetTracerProvider), which do
// nothing until the application installs an SDK.
//
// Metrics (attributes in brackets):
//
//   - scs.session.events, a counter of lifecycle events [scs.event: created,
//     loaded, saved, renewed, destroyed, invalid-token, undecodable,
//     store-error, conflict, save-refused, weak-store];
//   - scs.session.conflicts, a counter of saves given up by MergeConcurrent
//     (scs.EventConflict);
//   - scs.session.refused_saves, a counter of saves refused because another
//     request destroyed the session or renewed its token (scs.EventSaveRefused);
//   - scs.store.duration, a histogram of store call durations in seconds
//     [scs.store.operation: Find, Commit, Delete, All, FindExpiry, Update,
//     CompareAndSwap, AddUserSession, RemoveUserSessions, UserSessions;
//     scs.store.outcome: ok, not_found, not_swapped, error, canceled,
//     timeout].
//
// Spans: one per store call, named "scs.store." and the operation
// ("scs.store.Find"), of kind internal, a child of the span in the request's
// context (the request span of otelhttp or of the framework), with the
// attributes scs.store.operation and scs.store.outcome, and the status
// Error when the call failed. Lifecycle events are also added to the
// request's span, when it records, as span events named "scs.session.event"
// with the attribute scs.event.
//
// No attribute ever holds a session token, a session ID, a user ID or
// session data, and no error message (a driver's message may quote a key):
// every attribute takes one of the few values listed above, plus those the
// application gives WithAttributes.
//
// With a Sealer (cookiestore) the manager makes no store calls: Instrument
// leaves the Store alone and reports events only.
package otelscs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/seed3bbca6c1/scs"
)

// ScopeName is the instrumentation scope of the meter and tracer: the
// package's import path.
const ScopeName = "github.com/seed3bbca6c1/scs/otelscs"

// The names of the instruments.
const (
	MetricEvents        = "scs.session.events"
	MetricConflicts     = "scs.session.conflicts"
	MetricRefusedSaves  = "scs.session.refused_saves"
	MetricStoreDuration = "scs.store.duration"
)

// The attribute keys.
const (
	AttrEvent     = attribute.Key("scs.event")
	AttrOperation = attribute.Key("scs.store.operation")
	AttrOutcome   = attribute.Key("scs.store.outcome")
)

// The values of AttrOutcome.
const (
	OutcomeOK         = "ok"          // the call succeeded (and found, updated or swapped)
	OutcomeNotFound   = "not_found"   // Find, FindExpiry or Update found no live session
	OutcomeNotSwapped = "not_swapped" // CompareAndSwap found other data, or none
	OutcomeError      = "error"       // the store failed
	OutcomeCanceled   = "canceled"    // the request's context was canceled
	OutcomeTimeout    = "timeout"     // StoreTimeout or the request's deadline passed
)

// SpanPrefix starts the name of every store call's span.
const SpanPrefix = "scs.store."

// ErrInstrumented is returned by Instrument for a manager whose Store it
// has already wrapped.
var ErrInstrumented = errors.New("otelscs: the SessionManager's Store is already instrumented")

// durationBuckets are the histogram's bucket boundaries, in seconds: from
// 50µs (an in-memory store) to 10s (a store that hangs until its timeout).
var durationBuckets = []float64{
	0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
	0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Option configures Instrument.
type Option func(*config)

type config struct {
	mp    metric.MeterProvider
	tp    trace.TracerProvider
	attrs []attribute.KeyValue
}

// WithMeterProvider sets the MeterProvider. The default is
// otel.GetMeterProvider() at the time of the call to Instrument.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.mp = mp }
}

// WithTracerProvider sets the TracerProvider. The default is
// otel.GetTracerProvider() at the time of the call to Instrument.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) { c.tp = tp }
}

// WithAttributes adds attributes to every measurement and span, such as
// attribute.String("scs.manager", "admin") to tell apart two managers that
// report to one provider. Keep their values few: each distinct set is a
// time series.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) { c.attrs = append(c.attrs, attrs...) }
}

// Instrument reports sm's lifecycle events and store calls to
// OpenTelemetry. Call it once per manager, after sm.Store (or sm.Sealer)
// and sm.OnEvent are set and before sm serves requests: it replaces
// sm.Store with a wrapper (see scs.WrapStore) and sm.OnEvent with a
// function that records the event and then calls the OnEvent that was set.
// A Store or OnEvent set afterwards is not instrumented.
//
// With sm.Sealer set, the Store is not used and is left alone: only events
// are reported. Instrument returns ErrInstrumented when sm.Store is already
// instrumented, and an error when sm is nil, has neither Store nor Sealer,
// or the meter refuses an instrument.
func Instrument(sm *scs.SessionManager, opts ...Option) error {
	if sm == nil {
		return errors.New("otelscs: Instrument of a nil *scs.SessionManager")
	}
	var c config
	for _, o := range opts {
		o(&c)
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if sm.Sealer == nil {
		if sm.Store == nil {
			return errors.New("otelscs: the SessionManager has neither Store nor Sealer; set one before Instrument")
		}
		if instrumented(sm.Store) {
			return ErrInstrumented
		}
	}
	in, err := newInstruments(c)
	if err != nil {
		return err
	}
	if sm.Sealer == nil {
		sm.Store = scs.WrapStore(newProbe(sm.Store), in.around)
	}
	next := sm.OnEvent
	sm.OnEvent = func(ctx context.Context, e scs.Event) {
		in.event(ctx, e)
		if next != nil {
			next(ctx, e)
		}
	}
	return nil
}

// instruments holds what Instrument made.
type instruments struct {
	tracer    trace.Tracer
	events    metric.Int64Counter
	conflicts metric.Int64Counter
	refused   metric.Int64Counter
	duration  metric.Float64Histogram

	attrs     []attribute.KeyValue
	base      []metric.AddOption                         // attrs alone
	eventOpts [scs.EventWeakStore + 1][]metric.AddOption // by kind, with attrs
	opSets    map[string]*opSets                         // by operation
}

// opSets are the options of one operation, made once so that a call
// allocates none: its span's start and the histogram's, by outcome.
type opSets struct {
	name     string                           // the span's name
	start    []trace.SpanStartOption          // kind, attrs and the operation
	outcomes map[string][]metric.RecordOption // attrs, operation and outcome
	status   map[string]string                // the span's status description, by outcome
}

// operations are those WrapStore names.
var operations = []string{
	"Find", "Commit", "Delete", "All", "FindExpiry", "Update",
	"CompareAndSwap", "AddUserSession", "RemoveUserSessions", "UserSessions",
}

var outcomes = []string{
	OutcomeOK, OutcomeNotFound, OutcomeNotSwapped, OutcomeError, OutcomeCanceled, OutcomeTimeout,
}

func newInstruments(c config) (*instruments, error) {
	meter := c.mp.Meter(ScopeName)
	in := &instruments{
		tracer: c.tp.Tracer(ScopeName),
		attrs:  c.attrs,
		opSets: make(map[string]*opSets, len(operations)),
	}
	var err, e error
	in.events, e = meter.Int64Counter(MetricEvents,
		metric.WithDescription("Session lifecycle events, by kind."),
		metric.WithUnit("{event}"))
	err = errors.Join(err, e)
	in.conflicts, e = meter.Int64Counter(MetricConflicts,
		metric.WithDescription("Saves that MergeConcurrent gave up because other requests kept changing the session (ErrConflict)."),
		metric.WithUnit("{save}"))
	err = errors.Join(err, e)
	in.refused, e = meter.Int64Counter(MetricRefusedSaves,
		metric.WithDescription("Saves refused because another request destroyed the session or renewed its token meanwhile (ErrSessionGone)."),
		metric.WithUnit("{save}"))
	err = errors.Join(err, e)
	in.duration, e = meter.Float64Histogram(MetricStoreDuration,
		metric.WithDescription("Duration of session store calls, by operation and outcome."),
		metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	if err != nil {
		return nil, fmt.Errorf("otelscs: %w", err)
	}
	in.base = []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(c.attrs...))}
	for k := scs.EventCreated; k <= scs.EventWeakStore; k++ {
		in.eventOpts[k] = []metric.AddOption{metric.WithAttributeSet(in.with(AttrEvent.String(k.String())))}
	}
	for _, op := range operations {
		in.opSets[op] = in.newOpSets(op)
	}
	return in, nil
}

// with returns the application's attributes and kvs as a set.
func (in *instruments) with(kvs ...attribute.KeyValue) attribute.Set {
	all := make([]attribute.KeyValue, 0, len(in.attrs)+len(kvs))
	return attribute.NewSet(append(append(all, in.attrs...), kvs...)...)
}

func (in *instruments) newOpSets(op string) *opSets {
	s := &opSets{
		name:     SpanPrefix + op,
		outcomes: make(map[string][]metric.RecordOption, len(outcomes)),
		status:   make(map[string]string, len(outcomes)),
	}
	attrs := append(append(make([]attribute.KeyValue, 0, len(in.attrs)+1), in.attrs...), AttrOperation.String(op))
	s.start = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(attrs...)}
	for _, o := range outcomes {
		s.outcomes[o] = []metric.RecordOption{metric.WithAttributeSet(in.with(AttrOperation.String(op), AttrOutcome.String(o)))}
		s.status[o] = "store call failed: " + o
	}
	return s
}

// event records a lifecycle event. It reads e.Kind only: never e.ID, nor
// e.Err, whose message may hold what attributes must not.
func (in *instruments) event(ctx context.Context, e scs.Event) {
	in.events.Add(ctx, 1, in.eventOptions(e.Kind)...)
	switch e.Kind {
	case scs.EventConflict:
		in.conflicts.Add(ctx, 1, in.base...)
	case scs.EventSaveRefused:
		in.refused.Add(ctx, 1, in.base...)
	}
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		span.AddEvent("scs.session.event", trace.WithAttributes(AttrEvent.String(e.Kind.String())))
	}
}

// eventOptions returns the options that record an event of kind k. The slices
// are made once: a variadic call through an interface would allocate one
// per call.
func (in *instruments) eventOptions(k scs.EventKind) []metric.AddOption {
	if k >= scs.EventCreated && int(k) < len(in.eventOpts) {
		return in.eventOpts[k]
	}
	return []metric.AddOption{metric.WithAttributeSet(in.with(AttrEvent.String("unknown")))} // a kind newer than this package
}

// around is the function scs.WrapStore runs each store call through.
func (in *instruments) around(ctx context.Context, op string, call func(context.Context) error) error {
	sets := in.opSets[op]
	if sets == nil {
		sets = in.newOpSets(op) // an operation newer than this package
	}
	start := time.Now()
	ctx, span := in.tracer.Start(ctx, sets.name, sets.start...)
	st := &callState{Context: ctx}
	err := call(st)
	elapsed := time.Since(start).Seconds()

	outcome := OutcomeOK
	switch {
	case err == nil:
		if st.outcome != "" {
			outcome = st.outcome
		}
	case errors.Is(err, context.DeadlineExceeded):
		outcome = OutcomeTimeout
	case errors.Is(err, context.Canceled):
		outcome = OutcomeCanceled
	default:
		switch ctx.Err() { // a driver's error that does not wrap the context's
		case context.DeadlineExceeded:
			outcome = OutcomeTimeout
		case context.Canceled:
			outcome = OutcomeCanceled
		default:
			outcome = OutcomeError
		}
	}
	in.duration.Record(ctx, elapsed, sets.outcomes[outcome]...)
	if span.IsRecording() {
		span.SetAttributes(AttrOutcome.String(outcome))
		if err != nil {
			span.SetStatus(codes.Error, sets.status[outcome])
		}
	}
	span.End()
	return err
}

// callState is the context of one store call: the probe below WrapStore
// notes in it what the call's error cannot say (a session not found, a swap
// not made).
type callState struct {
	context.Context
	outcome string
}

type callStateKey struct{}

func (c *callState) Value(key any) any {
	if key == (callStateKey{}) {
		return c
	}
	return c.Context.Value(key)
}

// note records outcome in ctx's callState, if it has one.
func note(ctx context.Context, outcome string) {
	if st, ok := ctx.Value(callStateKey{}).(*callState); ok {
		st.outcome = outcome
	}
}
