package ratelimit_test

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/testenv"
	"github.com/orgkit/orgkit/ports"
)

// limiter is an implementation under test and the way to make time pass for it.
type limiter struct {
	ports.RateLimiter
	// advance makes d pass for every key: it moves the memory limiter's injected clock;
	// Redis times events by its own server clock, so there the recorded events are aged by d.
	advance func(t *testing.T, d time.Duration)
}

// limiters returns the implementations under test: memory always, Redis when
// ORGKIT_TEST_REDIS_URL is set (mandatory under CI=true).
func limiters(t *testing.T) map[string]limiter {
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	out := map[string]limiter{"memory": {ratelimit.NewMemory(clock.Now), func(_ *testing.T, d time.Duration) { clock.advance(d) }}}
	url, ok := testenv.Optional(t, "ORGKIT_TEST_REDIS_URL")
	if !ok {
		return out
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	opt.PoolSize = 50 // as many as TestLimiter_ConcurrentExactlyMax races
	client := redis.NewClient(opt)
	t.Cleanup(func() {
		if err := client.Close(); err != nil {
			t.Logf("close redis client: %v", err)
		}
	})
	// Open the pool's connections now: a cold burst of racing calls would spend CallTimeout
	// dialing on a loaded machine, which is not what these tests measure.
	var wg sync.WaitGroup
	errs := make(chan error, opt.PoolSize)
	for range opt.PoolSize {
		wg.Go(func() { errs <- client.Ping(context.Background()).Err() })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("redis at %s: %v", url, err)
		}
	}
	prefix := "orgkit-test:" + rand.Text() + ":"
	out["redis"] = limiter{ratelimit.NewRedis(client, prefix), func(t *testing.T, d time.Duration) { ageEvents(t, client, prefix, d) }}
	return out
}

// ageEvents moves every event recorded under prefix d into the past: the sliding log
// scores each event by Redis server time in microseconds, so to the limiter it is as if d
// had passed.
func ageEvents(t *testing.T, client *redis.Client, prefix string, d time.Duration) {
	t.Helper()
	ctx := context.Background()
	keys, err := client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		events, err := client.ZRangeWithScores(ctx, k, 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			e.Score -= float64(d.Microseconds())
			if err := client.ZAdd(ctx, k, e).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// allow is l.Allow, failing the test on an error.
func allow(t *testing.T, l ports.RateLimiter, key string, lim domain.Limit) domain.Quota {
	t.Helper()
	q, err := l.Allow(context.Background(), key, lim)
	if err != nil {
		t.Fatalf("allow %s: %v", key, err)
	}
	return q
}

func TestLimiter_RollingWindow(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			lim := domain.Limit{Max: 3, Window: time.Minute}
			for i := range 3 {
				if q := allow(t, l, "k", lim); !q.Allowed || q.Remaining != 2-i || q.Limit != 3 {
					t.Fatalf("event %d: %+v", i, q)
				}
			}
			q := allow(t, l, "k", lim)
			if q.Allowed || q.Remaining != 0 || q.RetryAfter <= 0 || q.RetryAfter > lim.Window {
				t.Fatalf("4th: %+v", q)
			}
			if other := allow(t, l, "other", lim); !other.Allowed {
				t.Fatal("keys share a window")
			}
			l.advance(t, lim.Window/2)
			if q := allow(t, l, "k", lim); q.Allowed {
				t.Fatalf("allowed inside the rolling window: %+v", q)
			}
			l.advance(t, lim.Window/2+time.Millisecond)
			if q := allow(t, l, "k", lim); !q.Allowed || q.Remaining != 2 {
				t.Fatalf("not allowed after the window: %+v", q)
			}
		})
	}
}

func TestLimiter_ConcurrentExactlyMax(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			lim := domain.Limit{Max: 10, Window: time.Minute}
			var wg sync.WaitGroup
			var mu sync.Mutex
			allowed := 0
			for range 50 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					q, err := l.Allow(context.Background(), "race", lim)
					if err != nil {
						t.Error(err)
					}
					if q.Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			if allowed != 10 {
				t.Fatalf("%d allowed, want 10", allowed)
			}
		})
	}
}

func TestRedis_UnreachableIsAnError(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer client.Close()
	if _, err := ratelimit.NewRedis(client, "x:").Allow(context.Background(), "k", domain.LimitRevealAPIKeys); err == nil {
		t.Fatal("no error from an unreachable Redis")
	}
}
