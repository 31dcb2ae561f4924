package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/adapters/vaultcrypto"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/ports"
)

// wired is the composed service and what must be closed with it.
type wired struct {
	store       *gormstore.Store
	svc         *app.Service
	readyChecks map[string]func(context.Context) error // beyond the database, for /readyz
	closes      []func() error
}

func (w *wired) Close() {
	for i := len(w.closes) - 1; i >= 0; i-- {
		_ = w.closes[i]()
	}
}

// wire opens the database (migrating it), the key ring and the limiter, and builds the app.
func wire(ctx context.Context, cfg config, log *slog.Logger) (*wired, error) {
	w := &wired{readyChecks: map[string]func(context.Context) error{}}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	w.store = store
	w.closes = append(w.closes, store.Close)
	applied, err := store.Migrate(ctx)
	if err != nil {
		w.Close()
		return nil, err
	}
	log.Info("database ready", slog.String("dialect", string(store.Dialect())), slog.Any("migrations_applied", applied))

	deps := app.Deps{Store: store, Clock: ports.SystemClock{}, Limiter: ratelimit.NewMemory(nil)}
	if cfg.VaultKeys != "" {
		ring, err := vaultcrypto.Parse(cfg.VaultKeys)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("ORGKIT_VAULT_KEYS: %w", err)
		}
		deps.Sealer = ring
	} else {
		log.Warn("ORGKIT_VAULT_KEYS is not set: the API-key vault answers 503 vault_unavailable")
	}
	if cfg.RedisURL != "" {
		client, err := redisClient(cfg.RedisURL)
		if err != nil {
			w.Close()
			return nil, err
		}
		w.closes = append(w.closes, client.Close)
		limiter := ratelimit.NewRedis(client, cfg.RedisKeyPrefix+"ratelimit:")
		if err := limiter.Ping(ctx); err != nil {
			// Start anyway: limited endpoints fail closed and /readyz fails until Redis is back.
			log.Warn("redis is not reachable; rate-limited endpoints answer 503 until it is", slog.Any("error", err))
		}
		deps.Limiter = limiter
		w.readyChecks["redis"] = limiter.Ping
	}
	w.svc = app.New(deps, app.Config{SuperadminEmails: splitList(cfg.SuperadminEmails)})
	return w, nil
}

// openStore opens the configured database with the binary's pool size.
func openStore(ctx context.Context, cfg config) (*gormstore.Store, error) {
	return gormstore.Open(ctx, cfg.DatabaseURL, gormstore.WithMaxConns(cfg.DBMaxConns))
}

// redisClient connects to ORGKIT_REDIS_URL with short timeouts unless the URL sets its own
// (dial_timeout, read_timeout, …): a slow Redis must cost a request a fast 503, and go-redis's
// defaults (5s dial, 3s read and write) would hold a pool connection that long.
func redisClient(url string) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("ORGKIT_REDIS_URL: %w", err)
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&opt.DialTimeout, time.Second}, {&opt.ReadTimeout, 500 * time.Millisecond}, {&opt.WriteTimeout, 500 * time.Millisecond}, {&opt.PoolTimeout, time.Second}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	return redis.NewClient(opt), nil
}
