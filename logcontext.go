package orgkit

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/orgkit/orgkit/domain"
)

// contextHandler adds what a record's context knows to every record orgkit logs: the
// request id (which the HTTP adapter puts in each request's context first) and, when a span
// is active, trace_id and span_id. Handlers log with the request's context, so the access
// log, the app's and the store's lines of one request all carry the same ids. With tracing
// off (traced false) it looks for no span: no OpenTelemetry work at all.
type contextHandler struct {
	slog.Handler
	traced bool
}

// withContextAttrs wraps log's handler once.
func withContextAttrs(log *slog.Logger, traced bool) *slog.Logger {
	if h, ok := log.Handler().(contextHandler); ok {
		h.traced = h.traced || traced
		return slog.New(h)
	}
	return slog.New(contextHandler{Handler: log.Handler(), traced: traced})
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := domain.RequestIDFrom(ctx); id != "" && !hasAttr(r, "request_id") {
			r.AddAttrs(slog.String("request_id", id))
		}
		if h.traced {
			if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
				r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{Handler: h.Handler.WithAttrs(attrs), traced: h.traced}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{Handler: h.Handler.WithGroup(name), traced: h.traced}
}

// hasAttr reports whether the call site already named the request (the HTTP adapter's own
// lines do, so that it logs them alone too).
func hasAttr(r slog.Record, key string) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		found = a.Key == key
		return !found
	})
	return found
}
