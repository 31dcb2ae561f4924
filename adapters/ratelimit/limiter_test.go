package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// limiters returns the implementations under test: memory always, Redis when
// ORGKIT_TEST_REDIS_URL is set (mandatory under CI=true).
func limiters(t *testing.T) map[string]ports.RateLimiter {
	out := map[string]ports.RateLimiter{"memory": ratelimit.NewMemory(nil)}
	url := os.Getenv("ORGKIT_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but ORGKIT_TEST_REDIS_URL is not set")
		}
		return out
	}
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { _ = client.Close() })
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", url, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	out["redis"] = ratelimit.NewRedis(client, "orgkit-test:"+hex.EncodeToString(b)+":")
	return out
}

func TestLimiter_RollingWindow(t *testing.T) {
	for name, l := range limiters(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			lim := domain.Limit{Max: 3, Window: 600 * time.Millisecond}
			for i := range 3 {
				q, err := l.Allow(ctx, "k", lim)
				if err != nil || !q.Allowed || q.Remaining != 2-i || q.Limit != 3 {
					t.Fatalf("event %d: %+v %v", i, q, err)
				}
			}
			q, _ := l.Allow(ctx, "k", lim)
			if q.Allowed || q.Remaining != 0 || q.RetryAfter <= 0 || q.RetryAfter > lim.Window {
				t.Fatalf("4th: %+v", q)
			}
			if other, _ := l.Allow(ctx, "other", lim); !other.Allowed {
				t.Fatal("keys share a window")
			}
			time.Sleep(lim.Window / 2)
			if q, _ := l.Allow(ctx, "k", lim); q.Allowed {
				t.Fatal("allowed inside the rolling window")
			}
			time.Sleep(lim.Window/2 + 50*time.Millisecond)
			if q, _ := l.Allow(ctx, "k", lim); !q.Allowed {
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
