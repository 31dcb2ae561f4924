package orgkit

import (
	"context"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/plugin/opentelemetry/tracing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// TracingConfig turns on OpenTelemetry traces of orgkit's work. orgkit never sets the
// global provider or propagator: it uses the ones given here, or none.
type TracingConfig struct {
	// Provider makes orgkit's spans: a server span per request to Register's and
	// RegisterOps' routes, named by method and route template ("GET /v1/organizations/:id",
	// never the path with its ids), as the child of an incoming traceparent; a span per SQL
	// statement orgkit runs (its text with placeholders, never the values), on a *gorm.DB of
	// orgkit's own over Config.DB's pool, so the host's *gorm.DB gets no callback; and a span
	// per round of Run's background work. Statements run through WithTx are the host's
	// transaction's and are not traced by orgkit. Nil: tracing is off and costs nothing.
	Provider trace.TracerProvider
	// Propagator reads the incoming trace context from request headers; nil: W3C trace
	// context and baggage.
	Propagator propagation.TextMapPropagator
}

// instrumentationName names orgkit's own spans' tracer (Run's rounds).
const instrumentationName = "github.com/orgkit/orgkit"

// serverMiddleware is the server span of each request (otelgin), nil when tracing is off.
func (t TracingConfig) serverMiddleware() gin.HandlerFunc {
	if t.Provider == nil {
		return nil
	}
	prop := t.Propagator
	if prop == nil {
		prop = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	// Metrics are orgkit's Prometheus families, not otelgin's: it gets a no-op meter rather
	// than the global one.
	return otelgin.Middleware("orgkit", otelgin.WithTracerProvider(t.Provider), otelgin.WithPropagators(prop),
		otelgin.WithMeterProvider(metricnoop.NewMeterProvider()))
}

// storeOf is orgkit's store on cfg.DB: a session of the host's *gorm.DB, or with tracing on
// a *gorm.DB of orgkit's own over the same pool that alone carries GORM's OpenTelemetry
// plugin (a plugin registers on what every session of the host's *gorm.DB shares).
func storeOf(cfg Config) (*gormstore.Store, error) {
	if cfg.Tracing.Provider == nil {
		return gormstore.New(cfg.DB, cfg.Logger)
	}
	return gormstore.NewIsolated(cfg.DB, cfg.Logger, tracing.NewPlugin(tracing.WithTracerProvider(cfg.Tracing.Provider),
		tracing.WithoutQueryVariables(), tracing.WithoutMetrics()))
}

// round runs one round of Run's background work named name, in a span when tracing is on.
func (k *Kit) round(ctx context.Context, name string, work func(context.Context) error) error {
	if k.tracer == nil {
		return work(ctx)
	}
	ctx, span := k.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindInternal))
	defer span.End()
	err := work(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "round failed")
	}
	return err
}

// traceOutgoing wraps the webhook sender and the mailer in client spans when tracing is on.
// The spans name no URL, recipient or subject: a URL may carry a receiver's token, and mail
// names people. Nothing is propagated to receivers, which are third parties.
func (k *Kit) traceOutgoing(deps *app.Deps) {
	if k.tracer == nil {
		return
	}
	if deps.Webhooks != nil {
		deps.Webhooks = tracedWebhooks{next: deps.Webhooks, tracer: k.tracer}
	}
	if deps.Mailer != nil {
		deps.Mailer = tracedMailer{next: deps.Mailer, tracer: k.tracer}
	}
}

type tracedWebhooks struct {
	next   ports.WebhookSender
	tracer trace.Tracer
}

func (w tracedWebhooks) Send(ctx context.Context, req ports.WebhookRequest) (ports.WebhookResponse, error) {
	ctx, span := w.tracer.Start(ctx, "webhook send", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	res, err := w.next.Send(ctx, req)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "no answer")
		return res, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", res.StatusCode))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		span.SetStatus(codes.Error, "not a 2xx answer")
	}
	return res, nil
}

type tracedMailer struct {
	next   ports.Mailer
	tracer trace.Tracer
}

func (m tracedMailer) Send(ctx context.Context, mail domain.Mail) error {
	ctx, span := m.tracer.Start(ctx, "mail send", trace.WithSpanKind(trace.SpanKindClient))
	defer span.End()
	err := m.next.Send(ctx, mail)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "not sent")
	}
	return err
}
