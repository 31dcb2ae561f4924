package orgkit

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orgkit/orgkit/adapters/metrics"
	"github.com/orgkit/orgkit/ports"
)

// MetricsConfig configures orgkit's Prometheus metrics (the orgkit_* families: requests,
// the database pool, the resolve cache, DNS checks, rate limits, mail and webhooks, the
// build). No label carries an id, slug, email, host name or URL.
type MetricsConfig struct {
	// Registerer receives orgkit's collectors; nil: a registry of the Kit's own. Pass the
	// host's registry (or prometheus.DefaultRegisterer) to serve orgkit's families beside
	// the host's. Two Kits cannot share one: New fails on the second.
	Registerer prometheus.Registerer
	// Disabled records nothing: MetricsHandler answers 404.
	Disabled bool
	// Version labels orgkit_build_info; empty: orgkit's module version from the build, or
	// "(devel)".
	Version string
}

// newMetrics registers orgkit's collectors and returns what the use cases and the HTTP API
// record through (ports.NopMetrics when disabled). The backlogs are counted through k.svc
// at scrape time.
func (k *Kit) newMetrics() (ports.Metrics, error) {
	mc := k.cfg.Metrics
	if mc.Disabled {
		return ports.NopMetrics{}, nil
	}
	reg := mc.Registerer
	if reg == nil {
		r := prometheus.NewRegistry()
		reg, k.gatherer = r, r
	} else if g, ok := reg.(prometheus.Gatherer); ok {
		k.gatherer = g
	} else {
		// A Registerer that cannot be read: MetricsHandler serves orgkit's families from a
		// registry of its own, holding the same collectors.
		r := prometheus.NewRegistry()
		reg, k.gatherer = teeRegisterer{reg, r}, r
	}
	version := mc.Version
	if version == "" {
		version = moduleVersion()
	}
	opts := metrics.Options{Version: version, Logger: k.cfg.Logger,
		MailBacklog:    func(ctx context.Context) (int64, error) { return k.svc.MailBacklog(ctx) },
		WebhookBacklog: func(ctx context.Context) (int64, error) { return k.svc.WebhookBacklog(ctx) }}
	if sqlDB, err := k.cfg.DB.DB(); err == nil {
		opts.DBStats = sqlDB.Stats
	}
	m, err := metrics.New(reg, opts)
	if err != nil {
		return nil, fmt.Errorf("Config.Metrics.Registerer: %w", err)
	}
	return m, nil
}

// MetricsHandler serves the metrics in Prometheus' text format, for the host to mount where
// it likes (the orgkit binary: GET /metrics, or ORGKIT_METRICS_ADDR). With
// Config.Metrics.Registerer a Gatherer too (a *prometheus.Registry), it serves everything
// registered there. With metrics disabled it answers 404.
func (k *Kit) MetricsHandler() http.Handler {
	if k.gatherer == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(k.gatherer, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// teeRegisterer registers every collector with both registerers.
type teeRegisterer struct{ a, b prometheus.Registerer }

func (t teeRegisterer) Register(c prometheus.Collector) error {
	if err := t.a.Register(c); err != nil {
		return err
	}
	return t.b.Register(c)
}

func (t teeRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := t.Register(c); err != nil {
			panic(err)
		}
	}
}

func (t teeRegisterer) Unregister(c prometheus.Collector) bool {
	a, b := t.a.Unregister(c), t.b.Unregister(c)
	return a || b
}

// moduleVersion is orgkit's version as the Go build recorded it: the main module's when
// orgkit is the program, else the required version of the host's build.
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	const path = "github.com/orgkit/orgkit"
	if bi.Main.Path == path && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == path {
			return d.Version
		}
	}
	return "(devel)"
}
