package bench

import (
	"context"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/otelscs"
)

// The cost of otelscs per request, beside the same manager without it:
// "plain" is ours (memstore) as in ReadSession and UpdateSession; "otel-noop"
// is instrumented with the no-op providers, what the global providers are
// until the application installs an SDK; "otel" is instrumented with the
// SDK: every measurement aggregated (a manual reader, never collected here)
// and every store call's span sampled and handed to a batch processor whose
// exporter drops it. A read request makes one store call (Find) and records
// one event (loaded); an update makes two (Find, Update) and records two
// (loaded, saved).

func otelLibs(b *testing.B) []lib {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(discardSpans{}))
	b.Cleanup(func() {
		mp.Shutdown(context.Background())
		tp.Shutdown(context.Background())
	})
	return []lib{
		ours(),
		instrumented(b, "otel-noop", otelscs.WithMeterProvider(metricnoop.NewMeterProvider()), otelscs.WithTracerProvider(tracenoop.NewTracerProvider())),
		instrumented(b, "otel", otelscs.WithMeterProvider(mp), otelscs.WithTracerProvider(tp)),
	}
}

// instrumented is ours (memstore), instrumented with opts.
func instrumented(b *testing.B, name string, opts ...otelscs.Option) lib {
	m := scs.New()
	if err := otelscs.Instrument(m, opts...); err != nil {
		b.Fatal(err)
	}
	return scsLike(name, m, func(tok string) int { b, _, _ := m.Store.Find(tok); return len(b) })
}

// discardSpans is a span exporter that drops every span.
type discardSpans struct{}

func (discardSpans) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardSpans) Shutdown(context.Context) error                             { return nil }

func BenchmarkReadSessionOtel(b *testing.B) {
	for _, l := range otelLibs(b) {
		name := l.name
		if name == "ours" {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			c := seeded(b, l)
			serve(l.get, request(c))
			if !l.last.valid() {
				b.Fatalf("read back %+v", *l.last)
			}
			for b.Loop() {
				serve(l.get, request(c))
			}
		})
	}
}

func BenchmarkUpdateSessionOtel(b *testing.B) {
	for _, l := range otelLibs(b) {
		name := l.name
		if name == "ours" {
			name = "plain"
		}
		b.Run(name, func(b *testing.B) {
			c := seeded(b, l)
			for b.Loop() {
				serve(l.incr, request(c))
			}
		})
	}
}
