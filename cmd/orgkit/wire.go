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
	store  *gormstore.Store
	svc    *app.Service
	closes []func() error
}

func (w *wired) Close() {
	for i := len(w.closes) - 1; i >= 0; i-- {
		_ = w.closes[i]()
	}
}

// wire opens the database (migrating it), the key ring and the limiter, and builds the app.
func wire(ctx context.Context, cfg config, log *slog.Logger) (*wired, error) {
	w := &wired{}
	store, err := gormstore.Open(ctx, cfg.DatabaseURL)
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
		opt, err := redis.ParseURL(cfg.RedisURL)
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("ORGKIT_REDIS_URL: %w", err)
		}
		client := redis.NewClient(opt)
		w.closes = append(w.closes, client.Close)
		pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		if err := client.Ping(pctx).Err(); err != nil {
			// Start anyway: limited endpoints fail closed until Redis is back.
			log.Warn("redis is not reachable; rate-limited endpoints answer 503 until it is", slog.Any("error", err))
		}
		cancel()
		deps.Limiter = ratelimit.NewRedis(client, cfg.RedisKeyPrefix+"ratelimit:")
	}
	w.svc = app.New(deps, app.Config{SuperadminEmails: splitList(cfg.SuperadminEmails)})
	return w, nil
}
