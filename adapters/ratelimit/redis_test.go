package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/adapters/ratelimit/ratelimittest"
	"github.com/orgkit/orgkit/domain"
)

// TestRedis_FrozenServerTimesOut: whatever the client's own timeouts, a Redis that accepts
// and never answers costs Allow and Ping about CallTimeout, then an error.
func TestRedis_FrozenServerTimesOut(t *testing.T) {
	for name, opt := range map[string]*redis.Options{
		"client defaults":   {},
		"no read timeout":   {ReadTimeout: -1, WriteTimeout: -1},
		"long read timeout": {ReadTimeout: time.Minute, MaxRetries: 5},
	} {
		t.Run(name, func(t *testing.T) {
			opt.Addr = ratelimittest.FrozenRedis(t)
			client := redis.NewClient(opt)
			t.Cleanup(func() {
				if err := client.Close(); err != nil {
					t.Logf("close redis client: %v", err)
				}
			})
			l := ratelimit.NewRedis(client, "x:")
			start := time.Now()
			_, err := l.Allow(context.Background(), "k", domain.LimitRevealAPIKeys)
			if took := time.Since(start); err == nil || took > 600*time.Millisecond {
				t.Fatalf("Allow: %v after %v, want an error within 600ms", err, took)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Allow: %v, want a deadline error", err)
			}
			start = time.Now()
			if err := l.Ping(context.Background()); err == nil || time.Since(start) > 600*time.Millisecond {
				t.Fatalf("Ping: %v after %v", err, time.Since(start))
			}
		})
	}
}
