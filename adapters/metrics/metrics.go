// Package metrics is orgkit's Prometheus adapter: it implements ports.Metrics with
// prometheus/client_golang and adds the collectors read at scrape time (the database pool,
// the mail and webhook backlogs, the build). Every label value comes from a fixed set, so
// the number of series is bounded whatever the traffic.
package metrics

import (
	"context"
	"database/sql"
	"log/slog"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/orgkit/orgkit/ports"
)

// Options are what the collectors read at scrape time. Each is optional: a nil one's
// families are not exported.
type Options struct {
	// Version is the running build's, for orgkit_build_info.
	Version string
	// DBStats reads orgkit's database pool.
	DBStats func() sql.DBStats
	// MailBacklog and WebhookBacklog count the work waiting, at each scrape (each a count
	// on an index); a failing one leaves its gauge out of that scrape.
	MailBacklog, WebhookBacklog func(context.Context) (int64, error)
	// Logger receives backlog count failures; slog.Default() when nil.
	Logger *slog.Logger
}

// backlogTimeout bounds a scrape's backlog counts, so a slow database cannot hold a scrape.
const backlogTimeout = 2 * time.Second

// Metrics records orgkit's metrics in the registry it was made with.
type Metrics struct {
	http *httpMetrics

	resolve    map[ports.CacheResult]prometheus.Counter
	dns        map[ports.DNSOutcome]prometheus.Counter
	rate       map[rateKey]prometheus.Counter
	mail       map[ports.MailOutcome]prometheus.Counter
	webhook    map[ports.DeliveryOutcome]prometheus.Counter
	epDisabled prometheus.Counter
}

type rateKey struct {
	limiter  string
	decision ports.RateDecision
}

var _ ports.Metrics = (*Metrics)(nil)

// New registers orgkit's families with reg and returns what records them. Every series of
// a fixed label set exists from the start, at 0. Errors: reg's, such as a family another
// collector registered already (two Kits on one registry).
func New(reg prometheus.Registerer, opts Options) (*Metrics, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m := &Metrics{http: newHTTPMetrics()}
	resolve := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgkit_resolve_cache_total",
		Help: "Resolves by what the resolve cache gave: hit, miss (the database was asked) or negative_hit (a cached not-found)."}, []string{"result"})
	dns := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgkit_dns_checks_total",
		Help: "Domain TXT checks (manual verify and background re-checks) by outcome."}, []string{"outcome"})
	rate := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgkit_ratelimit_decisions_total",
		Help: "Rate limiter decisions by limit class: allowed, limited, or error (the limiter's store failed: 503, fail closed)."}, []string{"limiter", "decision"})
	mail := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgkit_mail_sends_total",
		Help: "Mail send attempts by outcome."}, []string{"outcome"})
	webhook := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgkit_webhook_deliveries_total",
		Help: "Webhook delivery attempts: success (2xx), failure (another answer), error (no answer)."}, []string{"outcome"})
	m.epDisabled = prometheus.NewCounter(prometheus.CounterOpts{Name: "orgkit_webhook_endpoints_disabled_total",
		Help: "Webhook endpoints disabled after failing for 3 days."})

	m.resolve = children(resolve, ports.CacheResults)
	m.dns = children(dns, ports.DNSOutcomes)
	m.mail = children(mail, ports.MailOutcomes)
	m.webhook = children(webhook, ports.DeliveryOutcomes)
	m.rate = map[rateKey]prometheus.Counter{}
	for _, l := range ports.RateLimitClasses {
		for _, d := range ports.RateDecisions {
			m.rate[rateKey{l, d}] = rate.WithLabelValues(l, string(d))
		}
	}
	cs := []prometheus.Collector{m.http.requests, m.http.duration, resolve, dns, rate, mail, webhook, m.epDisabled, buildInfo(opts.Version)}
	if opts.DBStats != nil {
		cs = append(cs, dbCollector{stats: opts.DBStats})
	}
	if opts.MailBacklog != nil || opts.WebhookBacklog != nil {
		cs = append(cs, backlogCollector{mail: opts.MailBacklog, webhooks: opts.WebhookBacklog, log: opts.Logger})
	}
	for i, c := range cs {
		if err := reg.Register(c); err != nil {
			for _, done := range cs[:i] { // all or nothing: New may be called again
				reg.Unregister(done)
			}
			return nil, err
		}
	}
	return m, nil
}

// children makes the vec's series of every value, by value.
func children[V ~string](vec *prometheus.CounterVec, values []V) map[V]prometheus.Counter {
	out := make(map[V]prometheus.Counter, len(values))
	for _, v := range values {
		out[v] = vec.WithLabelValues(string(v))
	}
	return out
}

// ResolveCache counts a resolve by its cache result; an unknown result is not counted.
func (m *Metrics) ResolveCache(r ports.CacheResult) { inc(m.resolve, r) }

// DNSCheck counts a TXT check by outcome.
func (m *Metrics) DNSCheck(o ports.DNSOutcome) { inc(m.dns, o) }

// RateLimit counts a limiter decision; a class not in ports.RateLimitClasses is not counted
// (it would be a label value nobody bounded).
func (m *Metrics) RateLimit(limiter string, d ports.RateDecision) {
	if c, ok := m.rate[rateKey{limiter, d}]; ok {
		c.Inc()
	}
}

// MailSend counts a send attempt.
func (m *Metrics) MailSend(o ports.MailOutcome) { inc(m.mail, o) }

// WebhookDelivery counts a delivery attempt.
func (m *Metrics) WebhookDelivery(o ports.DeliveryOutcome) { inc(m.webhook, o) }

// WebhookEndpointDisabled counts an endpoint disabled for failing.
func (m *Metrics) WebhookEndpointDisabled() { m.epDisabled.Inc() }

// HTTPRequest counts and times one answered request (see httpMetrics).
func (m *Metrics) HTTPRequest(route, method string, status int, d time.Duration) {
	m.http.observe(route, method, status, d)
}

func inc[V comparable](cs map[V]prometheus.Counter, v V) {
	if c, ok := cs[v]; ok {
		c.Inc()
	}
}

// buildInfo is orgkit_build_info, always 1, labelled with the running build.
func buildInfo(version string) prometheus.Collector {
	if version == "" {
		version = "unknown"
	}
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "orgkit_build_info",
		Help:        "The running build: always 1, labelled with its version and Go version.",
		ConstLabels: prometheus.Labels{"version": version, "go_version": runtime.Version()}}, func() float64 { return 1 })
}
