package main

import (
	"context"
	"log/slog"
	"strconv"

	"github.com/orgkit/orgkit"
	_ "github.com/orgkit/orgkit/adapters/gormstore/sqlite" // sqlite: database URLs
)

// kit opens what the configuration names, puts orgkit together through its one composition
// root (package orgkit) and migrates the database. The binary's flags only override the
// environment contract that orgkit.ConfigFromEnv reads. close releases everything.
func kit(ctx context.Context, cfg config, log *slog.Logger, draining func() bool) (k *orgkit.Kit, close func(), err error) {
	oc, err := orgkit.ConfigFromEnv(ctx, cfg.lookup)
	if err != nil {
		return nil, nil, err
	}
	oc.Logger, oc.Draining = log, draining
	if cfg.tracer != nil {
		oc.Tracing.Provider = cfg.tracer
	}
	oc.Mail.LogText = cfg.Dev // invitation links (with their tokens) reach the log only in development
	oc.Portal.DevSignIn = cfg.Dev
	oc.Metrics = metricsConfig()
	if k, err = orgkit.New(ctx, oc); err != nil {
		_ = orgkit.CloseConfig(oc)
		return nil, nil, err
	}
	close = func() {
		_ = k.Close()
		_ = orgkit.CloseConfig(oc)
	}
	if err := k.Migrate(ctx); err != nil {
		close()
		return nil, nil, err
	}
	if err := k.Ready(ctx); err != nil {
		// Start anyway: /readyz fails and limited endpoints answer 503 until it recovers.
		log.Warn("not ready yet: /readyz answers 503 and rate-limited endpoints fail closed until it recovers", slog.Any("error", err))
	}
	return k, close, nil
}

// lookup is the value of an ORGKIT_* variable after flags: the flag when given, else the
// environment, else the documented default.
func (c *config) lookup(name string) string {
	for _, s := range c.settings() {
		if s.env == name {
			return *s.dst
		}
	}
	if name == "ORGKIT_DB_MAX_CONNS" {
		return strconv.Itoa(c.DBMaxConns)
	}
	for _, d := range c.durations() {
		if d.env == name && *d.v != 0 { // zero: not set, orgkit's default
			return d.v.String()
		}
	}
	return ""
}
