package otelscs_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
	"github.com/seed3bbca6c1/scs/otelscs"
)

// Session metrics for Prometheus: the OpenTelemetry Prometheus exporter
// reads the meter provider, and /metrics serves what it reads. In an
// application the exporter registers with prometheus.DefaultRegisterer and
// /metrics is promhttp.Handler() on the application's server.
func Example_prometheus() {
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo())
	if err != nil {
		panic(err)
	}
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))

	sessionManager := scs.New()
	sessionManager.Store = memstore.New()
	// After the Store is set, before serving.
	if err := otelscs.Instrument(sessionManager, otelscs.WithMeterProvider(provider)); err != nil {
		panic(err)
	}

	app := httptest.NewServer(sessionManager.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sessionManager.Put(r.Context(), "visits", sessionManager.GetInt(r.Context(), "visits")+1)
	})))
	defer app.Close()
	metrics := httptest.NewServer(promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	defer metrics.Close()

	// Two visits of one client: the first creates the session, the second
	// loads and saves it.
	resp, _ := http.Get(app.URL)
	resp.Body.Close()
	req, _ := http.NewRequest("GET", app.URL, nil)
	req.AddCookie(resp.Cookies()[0])
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()

	resp, err = http.Get(metrics.URL)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	printLines(resp.Body, "scs_session_events_total", `scs_store_duration_seconds_count{scs_store_operation="Update"`)
	// Output:
	// scs_session_events_total{scs_event="created"} 1
	// scs_session_events_total{scs_event="loaded"} 1
	// scs_session_events_total{scs_event="saved"} 1
	// scs_store_duration_seconds_count{scs_store_operation="Update",scs_store_outcome="ok"} 1
}

// printLines prints the lines of r that start with one of prefixes.
func printLines(r io.Reader, prefixes ...string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		for _, p := range prefixes {
			if strings.HasPrefix(sc.Text(), p) {
				fmt.Println(sc.Text())
				break
			}
		}
	}
}
