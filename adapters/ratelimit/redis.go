package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// slidingLog keeps one sorted set per key, scored by Redis server time in microseconds, so
// replicas with skewed clocks still share one window. It runs atomically in Redis.
var slidingLog = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < max then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  count = count + 1
  allowed = 1
end
redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000))
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = 0
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {allowed, count, reset}
`)

// CallTimeout bounds every Redis call of the limiter, whatever the client's own timeouts: a
// frozen Redis must cost a limited request a fast 503, not a hung handler.
const CallTimeout = 200 * time.Millisecond

// Redis is the limiter shared by every replica.
type Redis struct {
	client redis.UniversalClient
	prefix string
}

var _ ports.RateLimiter = (*Redis)(nil)

// NewRedis returns a limiter on client (a single node, a cluster or a failover client);
// keys are stored under prefix.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix}
}

// Allow implements ports.RateLimiter. Errors: the client's, or context.DeadlineExceeded
// after CallTimeout.
func (r *Redis) Allow(ctx context.Context, key string, l domain.Limit) (domain.Quota, error) {
	nonce := make([]byte, 8)
	_, _ = rand.Read(nonce)
	res, err := bounded(ctx, func(ctx context.Context) ([]int64, error) {
		return slidingLog.Run(ctx, r.client, []string{r.prefix + key}, l.Window.Microseconds(), l.Max, hex.EncodeToString(nonce)).Int64Slice()
	})
	if err != nil {
		return domain.Quota{}, fmt.Errorf("redis rate limiter: %w", err)
	}
	q := domain.Quota{Allowed: res[0] == 1, Limit: l.Max, Remaining: l.Max - int(res[1]), Reset: time.Duration(res[2]) * time.Microsecond}
	if !q.Allowed {
		q.RetryAfter = q.Reset
	}
	return q, nil
}

// bounded runs call and gives up after CallTimeout. go-redis honours a context deadline
// while dialing but not on socket reads and writes (unless the client enables
// ContextTimeoutEnabled), so waiting on the context here is what makes the bound hold;
// an abandoned call ends at the client's own timeout or when the connection closes.
func bounded[T any](ctx context.Context, call func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1) // buffered: an abandoned call must not block forever
	go func() {
		v, err := call(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// Ping reports whether Redis answers within CallTimeout (the readiness check).
func (r *Redis) Ping(ctx context.Context) error {
	_, err := bounded(ctx, func(ctx context.Context) (string, error) { return r.client.Ping(ctx).Result() })
	if err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}
