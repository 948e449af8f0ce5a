package otelscs_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/cookiestore"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/otelscs"
	"github.com/seed3bbca6c1/scs/storetest"
)

// telemetry is an SDK meter and tracer provider whose data the test reads.
type telemetry struct {
	reader *sdkmetric.ManualReader
	spans  *tracetest.SpanRecorder
	mp     *sdkmetric.MeterProvider
	tp     *sdktrace.TracerProvider
}

func newTelemetry(t *testing.T) *telemetry {
	tel := &telemetry{reader: sdkmetric.NewManualReader(), spans: tracetest.NewSpanRecorder()}
	tel.mp = sdkmetric.NewMeterProvider(sdkmetric.WithReader(tel.reader))
	tel.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tel.spans))
	t.Cleanup(func() {
		tel.mp.Shutdown(context.Background())
		tel.tp.Shutdown(context.Background())
	})
	return tel
}

func (tel *telemetry) options() []otelscs.Option {
	return []otelscs.Option{otelscs.WithMeterProvider(tel.mp), otelscs.WithTracerProvider(tel.tp)}
}

// instrument instruments sm with tel's providers.
func (tel *telemetry) instrument(t *testing.T, sm *scs.SessionManager) {
	t.Helper()
	if err := otelscs.Instrument(sm, tel.options()...); err != nil {
		t.Fatalf("Instrument: %v", err)
	}
}

// metrics collects every metric of the otelscs scope, by name.
func (tel *telemetry) metrics(t *testing.T) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := tel.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatalf("Collect: %v", err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelscs.ScopeName {
			t.Errorf("scope %q, want %q", sm.Scope.Name, otelscs.ScopeName)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// counts returns a counter's values by the values of key ("" sums them all).
func counts(t *testing.T, ms map[string]metricdata.Metrics, name string, key attribute.Key) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	m, ok := ms[name]
	if !ok {
		return out
	}
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok || !sum.IsMonotonic {
		t.Fatalf("%s is %T, want a monotonic Sum[int64]", name, m.Data)
	}
	for _, dp := range sum.DataPoints {
		v, _ := dp.Attributes.Value(key)
		out[v.AsString()] += dp.Value
	}
	return out
}

// histogramCounts returns the store duration histogram's counts by
// "operation/outcome".
func histogramCounts(t *testing.T, ms map[string]metricdata.Metrics) map[string]uint64 {
	t.Helper()
	out := map[string]uint64{}
	m, ok := ms[otelscs.MetricStoreDuration]
	if !ok {
		return out
	}
	if m.Unit != "s" {
		t.Errorf("%s has unit %q, want s", m.Name, m.Unit)
	}
	h, ok := m.Data.(metricdata.Histogram[float64])
	if !ok {
		t.Fatalf("%s is %T, want Histogram[float64]", m.Name, m.Data)
	}
	for _, dp := range h.DataPoints {
		op, _ := dp.Attributes.Value(otelscs.AttrOperation)
		oc, _ := dp.Attributes.Value(otelscs.AttrOutcome)
		out[op.AsString()+"/"+oc.AsString()] += dp.Count
	}
	return out
}

// allowedKeys are the only attribute keys the package may use (the tests
// set no WithAttributes unless they say so).
var allowedKeys = map[attribute.Key]bool{otelscs.AttrEvent: true, otelscs.AttrOperation: true, otelscs.AttrOutcome: true}

// allowedValues are every value those keys may take.
var allowedValues = func() map[string]bool {
	m := map[string]bool{}
	for k := scs.EventCreated; k <= scs.EventWeakStore; k++ {
		m[k.String()] = true
	}
	for _, v := range strings.Fields("Find Commit Delete All FindExpiry Update CompareAndSwap AddUserSession RemoveUserSessions UserSessions ok not_found not_swapped error canceled timeout") {
		m[v] = true
	}
	return m
}()

// checkLowCardinality fails the test for an attribute, on any metric data
// point, span or span event, that is not one of the allowed keys and values,
// or that holds one of secrets (tokens, IDs).
func checkLowCardinality(t *testing.T, tel *telemetry, ms map[string]metricdata.Metrics, secrets ...string) {
	t.Helper()
	check := func(where string, kvs []attribute.KeyValue) {
		for _, kv := range kvs {
			v := kv.Value.String()
			if !allowedKeys[kv.Key] || !allowedValues[v] {
				t.Errorf("%s: attribute %s=%q is not one of the few allowed", where, kv.Key, v)
			}
			for _, s := range secrets {
				if s != "" && strings.Contains(v, s) {
					t.Errorf("%s: attribute %s holds a token or session ID", where, kv.Key)
				}
			}
		}
	}
	for name, m := range ms {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, dp := range d.DataPoints {
				check(name, dp.Attributes.ToSlice())
			}
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				check(name, dp.Attributes.ToSlice())
			}
		default:
			t.Errorf("%s: unexpected data %T", name, m.Data)
		}
	}
	for _, s := range tel.spans.Ended() {
		if !strings.HasPrefix(s.Name(), otelscs.SpanPrefix) {
			continue
		}
		check("span "+s.Name(), s.Attributes())
		for _, e := range s.Events() {
			check("span event "+e.Name, e.Attributes)
		}
	}
}

// app serves a manager through a real HTTP server, with a request span
// around each request, as otelhttp would start, so that store spans are
// its children. Its client keeps cookies.
type app struct {
	srv    *httptest.Server
	client *http.Client
	// requests are the request spans' contexts, in order.
	requests chan trace.SpanContext
}

func newApp(t *testing.T, tel *telemetry, sm *scs.SessionManager, mux *http.ServeMux) *app {
	a := &app{requests: make(chan trace.SpanContext, 100)}
	tracer := tel.tp.Tracer("test/http")
	h := sm.LoadAndSave(mux)
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "GET "+r.URL.Path, trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		a.requests <- span.SpanContext()
		h.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(a.srv.Close)
	jar, _ := cookiejar.New(nil)
	a.client = &http.Client{Jar: jar}
	return a
}

// get requests path and returns the body; it fails the test unless the
// status is want.
func (a *app) get(t *testing.T, path string, want int) string {
	t.Helper()
	resp, err := a.client.Get(a.srv.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", path, resp.StatusCode, b, want)
	}
	return string(b)
}

// token returns the session cookie's value the client holds.
func (a *app) token(t *testing.T, sm *scs.SessionManager) string {
	for _, c := range a.client.Jar.Cookies(mustURL(t, a.srv.URL)) {
		if c.Name == sm.Cookie.Name {
			return c.Value
		}
	}
	return ""
}

func sessionMux(sm *scs.SessionManager) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "n", sm.GetInt(r.Context(), "n")+1)
		sm.SetUser(r.Context(), "alice@example.com")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, sm.GetString(r.Context(), "missing"))
	})
	mux.HandleFunc("/destroy", func(w http.ResponseWriter, r *http.Request) {
		if err := sm.Destroy(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/renew", func(w http.ResponseWriter, r *http.Request) {
		if err := sm.RenewToken(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	return mux
}

func TestMetricsAndSpansThroughHTTP(t *testing.T) {
	tel := newTelemetry(t)
	sm := scs.New()
	sm.Store = memstore.New()
	var ids []string
	sm.OnEvent = func(ctx context.Context, e scs.Event) { ids = append(ids, e.ID) } // requests run one at a time
	tel.instrument(t, sm)
	a := newApp(t, tel, sm, sessionMux(sm))

	a.get(t, "/put", 200) // new session: Commit, AddUserSession; created
	tok1 := a.token(t, sm)
	a.get(t, "/get", 200) // Find; loaded
	a.get(t, "/put", 200) // Find, Update, AddUserSession; loaded, saved
	a.get(t, "/renew", 200)
	tok2 := a.token(t, sm)
	a.get(t, "/destroy", 200)

	// A well-formed token the store does not hold: Find not_found.
	stranger := &http.Client{}
	req, _ := http.NewRequest("GET", a.srv.URL+"/get", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: strings.Repeat("A", 43)})
	resp, err := stranger.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	ms := tel.metrics(t)
	for _, name := range []string{otelscs.MetricEvents, otelscs.MetricStoreDuration} {
		if _, ok := ms[name]; !ok {
			t.Errorf("no metric %s; have %v", name, keys(ms))
		}
	}
	events := counts(t, ms, otelscs.MetricEvents, otelscs.AttrEvent)
	wantEvents := map[string]int64{"created": 2, "loaded": 4, "saved": 1, "renewed": 1, "destroyed": 1}
	for k, n := range wantEvents {
		if events[k] != n {
			t.Errorf("events %s = %d, want %d (all: %v)", k, events[k], n, events)
		}
	}
	if len(events) != len(wantEvents) {
		t.Errorf("events %v, want only %v", events, wantEvents)
	}
	if len(ids) != 9 {
		t.Errorf("the application's OnEvent saw %d events, want 9: it must keep being called", len(ids))
	}

	hist := histogramCounts(t, ms)
	for k, n := range map[string]uint64{
		"Find/ok":        4, // get, put, renew, destroy
		"Find/not_found": 1, // the stranger
		"Update/ok":      3, // the second put; renew confirms the old token, and saves
		"Commit/ok":      2, // the new session; the renewed one
		"Delete/ok":      2, // renew deletes the old token; destroy
	} {
		if hist[k] != n {
			t.Errorf("store duration count %s = %d, want %d (all: %v)", k, hist[k], n, hist)
		}
	}
	for k := range hist {
		if !strings.HasSuffix(k, "/ok") && k != "Find/not_found" {
			t.Errorf("unexpected outcome %s in %v", k, hist)
		}
	}
	secrets := append([]string{tok1, tok2, "alice"}, ids...)
	checkLowCardinality(t, tel, ms, secrets...)

	// Every store call has a span, a child of its request's span.
	requests := map[trace.SpanID]trace.SpanContext{}
	close(a.requests)
	for sc := range a.requests {
		requests[sc.SpanID()] = sc
	}
	var storeSpans int
	for _, s := range tel.spans.Ended() {
		if !strings.HasPrefix(s.Name(), otelscs.SpanPrefix) {
			continue
		}
		storeSpans++
		parent, ok := requests[s.Parent().SpanID()]
		if !ok || parent.TraceID() != s.SpanContext().TraceID() {
			t.Errorf("span %s is not a child of a request span (parent %v)", s.Name(), s.Parent().SpanID())
		}
		if s.SpanKind() != trace.SpanKindInternal {
			t.Errorf("span %s has kind %v", s.Name(), s.SpanKind())
		}
		var op, outcome string
		for _, kv := range s.Attributes() {
			switch kv.Key {
			case otelscs.AttrOperation:
				op = kv.Value.AsString()
			case otelscs.AttrOutcome:
				outcome = kv.Value.AsString()
			}
		}
		if s.Name() != otelscs.SpanPrefix+op || outcome == "" {
			t.Errorf("span %s: operation %q, outcome %q", s.Name(), op, outcome)
		}
	}
	var histTotal uint64
	for _, n := range hist {
		histTotal += n
	}
	if uint64(storeSpans) != histTotal {
		t.Errorf("%d store spans, %d store calls measured", storeSpans, histTotal)
	}

	// Lifecycle events are span events of the request span.
	var sessionEvents int
	for _, s := range tel.spans.Ended() {
		if s.SpanKind() == trace.SpanKindServer {
			for _, e := range s.Events() {
				if e.Name == "scs.session.event" {
					sessionEvents++
				}
			}
		}
	}
	if sessionEvents != 9 {
		t.Errorf("%d session events on request spans, want 9", sessionEvents)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestRefusedSave forces, through HTTP, a save that another request's
// logout refuses: request A loads the session and waits; request B destroys
// it; A then changes the session and saves, and Update finds it gone.
func TestRefusedSave(t *testing.T) {
	tel := newTelemetry(t)
	sm := scs.New()
	sm.Store = memstore.New()
	tel.instrument(t, sm)
	mux := sessionMux(sm)
	loaded, proceed := make(chan struct{}), make(chan struct{})
	mux.HandleFunc("/slow-put", func(w http.ResponseWriter, r *http.Request) {
		sm.GetInt(r.Context(), "n")
		close(loaded)
		<-proceed
		sm.Put(r.Context(), "n", 100)
	})
	a := newApp(t, tel, sm, mux)
	a.get(t, "/put", 200)

	done := make(chan string)
	go func() {
		resp, err := a.client.Get(a.srv.URL + "/slow-put")
		if err != nil {
			done <- err.Error()
			return
		}
		resp.Body.Close()
		done <- resp.Status
	}()
	<-loaded
	a.get(t, "/destroy", 200)
	close(proceed)
	if status := <-done; status != "200 OK" {
		t.Fatalf("the refused request answered %s, want 200 OK", status)
	}

	ms := tel.metrics(t)
	if got := counts(t, ms, otelscs.MetricRefusedSaves, "")[""]; got != 1 {
		t.Errorf("%s = %d, want 1", otelscs.MetricRefusedSaves, got)
	}
	if got := counts(t, ms, otelscs.MetricEvents, otelscs.AttrEvent)["save-refused"]; got != 1 {
		t.Errorf("save-refused events = %d, want 1", got)
	}
	if got := histogramCounts(t, ms)["Update/not_found"]; got != 1 {
		t.Errorf("Update/not_found = %d, want 1", got)
	}
	if _, ok := ms[otelscs.MetricConflicts]; ok {
		t.Errorf("%s reported with no conflict", otelscs.MetricConflicts)
	}
	checkLowCardinality(t, tel, ms)
}

// contended is a memstore on which every CompareAndSwap loses, as if
// another process kept changing the session.
type contended struct{ *memstore.MemStore }

func (contended) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	return false, nil
}

func TestConflict(t *testing.T) {
	tel := newTelemetry(t)
	sm := scs.New()
	sm.Store = contended{memstore.New()}
	sm.MergeConcurrent = true
	sm.MergeTimeout = 0 // one attempt
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "conflict", http.StatusConflict)
	}
	tel.instrument(t, sm)
	a := newApp(t, tel, sm, sessionMux(sm))
	a.get(t, "/put", 200)
	a.get(t, "/put", http.StatusConflict)

	ms := tel.metrics(t)
	if got := counts(t, ms, otelscs.MetricConflicts, "")[""]; got != 1 {
		t.Errorf("%s = %d, want 1", otelscs.MetricConflicts, got)
	}
	if got := counts(t, ms, otelscs.MetricEvents, otelscs.AttrEvent)["conflict"]; got != 1 {
		t.Errorf("conflict events = %d, want 1", got)
	}
	if got := histogramCounts(t, ms)["CompareAndSwap/not_swapped"]; got != 1 {
		t.Errorf("CompareAndSwap/not_swapped = %d, want 1 (%v)", got, histogramCounts(t, ms))
	}
	checkLowCardinality(t, tel, ms)
}

// failing is a store whose calls fail.
type failing struct{ *memstore.MemStore }

func (failing) Find(token string) ([]byte, bool, error) {
	return nil, false, errors.New("failing: connection refused")
}

// blocking is a store whose calls wait for their context to end.
type blocking struct{ *memstore.MemStore }

func (blocking) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	<-ctx.Done()
	return nil, false, ctx.Err()
}

func (b blocking) CommitCtx(ctx context.Context, token string, data []byte, expiry time.Time) error {
	return b.Commit(token, data, expiry)
}

func (b blocking) DeleteCtx(ctx context.Context, token string) error { return b.Delete(token) }

func TestOutcomes(t *testing.T) {
	tel := newTelemetry(t)
	sm := scs.New()
	sm.Store = failing{memstore.New()}
	tel.instrument(t, sm)
	slow := scs.New()
	slow.Store = blocking{memstore.New()}
	tel.instrument(t, slow)

	tok := storetest.Token(t)
	ctxStore, _ := scs.StoreAs[scs.CtxStore](sm.Store)
	if _, _, err := ctxStore.FindCtx(context.Background(), tok); err == nil {
		t.Fatal("FindCtx of a failing store did not fail")
	}
	ctxStore, _ = scs.StoreAs[scs.CtxStore](slow.Store)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	ctxStore.FindCtx(ctx, tok)
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	ctxStore.FindCtx(ctx, tok)

	ms := tel.metrics(t)
	hist := histogramCounts(t, ms)
	for _, k := range []string{"Find/error", "Find/timeout", "Find/canceled"} {
		if hist[k] != 1 {
			t.Errorf("%s = %d, want 1 (%v)", k, hist[k], hist)
		}
	}
	for _, s := range tel.spans.Ended() {
		if s.Status().Code.String() != "Error" {
			t.Errorf("span %s of a failed call has status %v", s.Name(), s.Status())
		}
		if strings.Contains(s.Status().Description, "refused") {
			t.Errorf("span %s status quotes the store's error: %q", s.Name(), s.Status().Description)
		}
	}
	checkLowCardinality(t, tel, ms, tok)
}

func TestSealerEventsOnly(t *testing.T) {
	tel := newTelemetry(t)
	sealer, err := cookiestore.NewFromSecret([]byte(strings.Repeat("s", 32)))
	if err != nil {
		t.Fatal(err)
	}
	sm := scs.New()
	sm.Sealer = sealer
	store := sm.Store
	tel.instrument(t, sm)
	if sm.Store != store {
		t.Error("Instrument wrapped the Store of a manager with a Sealer, which makes no store calls")
	}
	a := newApp(t, tel, sm, sessionMux(sm))
	a.get(t, "/put", 200)
	a.get(t, "/put", 200)

	ms := tel.metrics(t)
	events := counts(t, ms, otelscs.MetricEvents, otelscs.AttrEvent)
	if events["created"] != 1 || events["loaded"] != 1 {
		t.Errorf("events %v, want created and loaded once each", events)
	}
	if _, ok := ms[otelscs.MetricStoreDuration]; ok {
		t.Error("store calls measured with a Sealer")
	}
	checkLowCardinality(t, tel, ms)
}

func TestInstrumentErrors(t *testing.T) {
	if err := otelscs.Instrument(nil); err == nil {
		t.Error("Instrument(nil) did not fail")
	}
	sm := &scs.SessionManager{}
	if err := otelscs.Instrument(sm); err == nil {
		t.Error("Instrument of a manager without a Store did not fail")
	}
	sm = scs.New()
	if err := otelscs.Instrument(sm); err != nil {
		t.Fatalf("Instrument with the global providers: %v", err)
	}
	if err := otelscs.Instrument(sm); !errors.Is(err, otelscs.ErrInstrumented) {
		t.Errorf("a second Instrument returned %v, want ErrInstrumented", err)
	}
}

// WithAttributes adds its attributes to measurements and spans.
func TestWithAttributes(t *testing.T) {
	tel := newTelemetry(t)
	sm := scs.New()
	if err := otelscs.Instrument(sm, append(tel.options(), otelscs.WithAttributes(attribute.String("scs.manager", "admin")))...); err != nil {
		t.Fatal(err)
	}
	a := newApp(t, tel, sm, sessionMux(sm))
	a.get(t, "/put", 200)
	ms := tel.metrics(t)
	for _, name := range []string{otelscs.MetricEvents, otelscs.MetricStoreDuration} {
		found := false
		switch d := ms[name].Data.(type) {
		case metricdata.Sum[int64]:
			for _, dp := range d.DataPoints {
				v, ok := dp.Attributes.Value("scs.manager")
				found = found || ok && v.AsString() == "admin"
			}
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				v, ok := dp.Attributes.Value("scs.manager")
				found = found || ok && v.AsString() == "admin"
			}
		}
		if !found {
			t.Errorf("%s lacks scs.manager=admin", name)
		}
	}
}

// The instrumented store has exactly the capabilities of the store it
// wraps, whichever they are.
func TestCapabilities(t *testing.T) {
	type caps struct{ ctx, iter, iterCtx, expiry, update, index bool }
	of := func(s scs.Store) caps {
		var c caps
		_, c.ctx = scs.StoreAs[scs.CtxStore](s)
		_, c.iter = scs.StoreAs[scs.IterableStore](s)
		_, c.iterCtx = scs.StoreAs[scs.IterableCtxStore](s)
		_, c.expiry = scs.StoreAs[scs.ExpiryStore](s)
		_, c.update = scs.StoreAs[scs.UpdateStore](s)
		_, c.index = scs.StoreAs[scs.UserIndexStore](s)
		return c
	}
	m := memstore.New()
	for name, s := range map[string]scs.Store{
		"memstore":    m,
		"plain":       plainStore{m},
		"expiry-only": expiryOnly{plainStore{m}},
		"update-only": updateOnly{plainStore{m}},
	} {
		sm := scs.New()
		sm.Store = s
		if err := otelscs.Instrument(sm); err != nil {
			t.Fatal(err)
		}
		want := of(s)
		want.ctx = true // WrapStore always has it, and both iterations with either
		want.iter, want.iterCtx = want.iter || want.iterCtx, want.iter || want.iterCtx
		if got := of(sm.Store); got != want {
			t.Errorf("%s: instrumented capabilities %+v, want %+v", name, got, want)
		}
	}
}

// plainStore has Store's methods only.
type plainStore struct{ m *memstore.MemStore }

func (p plainStore) Find(token string) ([]byte, bool, error) { return p.m.Find(token) }
func (p plainStore) Commit(token string, b []byte, expiry time.Time) error {
	return p.m.Commit(token, b, expiry)
}
func (p plainStore) Delete(token string) error { return p.m.Delete(token) }

type expiryOnly struct{ plainStore }

func (e expiryOnly) FindExpiry(ctx context.Context, token string) ([]byte, time.Time, bool, error) {
	return e.m.FindExpiry(ctx, token)
}

type updateOnly struct{ plainStore }

func (u updateOnly) Update(ctx context.Context, token string, b []byte, expiry time.Time) (bool, error) {
	return u.m.Update(ctx, token, b, expiry)
}

func (u updateOnly) CompareAndSwap(ctx context.Context, token string, old, b []byte, expiry time.Time) (bool, error) {
	return u.m.CompareAndSwap(ctx, token, old, b, expiry)
}

// instrumentedStore returns store instrumented with tel's providers, and
// counts the calls that reached it.
func instrumentedStore(t *testing.T, tel *telemetry, store scs.Store) scs.Store {
	t.Helper()
	sm := scs.New()
	sm.Store = store
	tel.instrument(t, sm)
	return sm.Store
}

// storeCalls returns how many store calls tel measured.
func storeCalls(t *testing.T, tel *telemetry) uint64 {
	var n uint64
	for _, c := range histogramCounts(t, tel.metrics(t)) {
		n += c
	}
	return n
}

// The kit, every check, on an instrumented memstore.
func TestConformanceMemstore(t *testing.T) {
	tel := newTelemetry(t)
	storetest.Run(t, func(t *testing.T) scs.Store {
		s := memstore.New()
		t.Cleanup(s.StopCleanup)
		return instrumentedStore(t, tel, s)
	})
	if storeCalls(t, tel) == 0 {
		t.Error("no store call was measured")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
