package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/eko/gocache/lib/v4/cache"
	"github.com/eko/gocache/lib/v4/store"
	redisstore "github.com/eko/gocache/store/redis/v4"
	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/ports"
)

// Redis is the resolve cache shared by every replica, used when Redis is configured: a
// Delete by one replica is seen by all, so an invalidation does not wait for the TTL.
// Entries are JSON under prefix+key with a millisecond expiry set by Redis itself.
//
// Every failure (Redis unreachable, a timeout, ctx done, a value this release cannot read)
// is returned as an error, never as a miss, so the caller can log it before it goes to the
// database.
type Redis struct {
	client redis.UniversalClient
	prefix string
	cache  *cache.Cache[string]
}

var _ ports.ResolveCache = (*Redis)(nil)

// NewRedis returns a cache keeping its entries in client's Redis under prefix (for example
// "orgkit:resolve:"). Each operation takes at most one round trip and is bounded by the
// client's own timeouts (dial, read, write, pool, retries: keep them short for a cache) and
// by ctx, whichever ends first. The caller keeps ownership of client and closes it.
func NewRedis(client redis.UniversalClient, prefix string) *Redis {
	return &Redis{client: client, prefix: prefix, cache: cache.New[string](redisstore.NewRedis(client))}
}

// Get returns the entry at key; ok is false on a miss. It fails when Redis does not answer
// in time, when ctx ends first, or when the stored value cannot be read.
func (r *Redis) Get(ctx context.Context, key string) (ports.ResolveEntry, bool, error) {
	var raw string
	err := untilDone(ctx, func(ctx context.Context) (err error) {
		raw, err = r.cache.Get(ctx, r.prefix+key)
		return err
	})
	if err != nil {
		if isNotFound(err) {
			return ports.ResolveEntry{}, false, nil
		}
		return ports.ResolveEntry{}, false, fmt.Errorf("cache: redis get %q: %w", key, err)
	}
	e, err := decodeEntry([]byte(raw))
	if err != nil {
		return ports.ResolveEntry{}, false, fmt.Errorf("cache: redis get %q: %w", key, err)
	}
	return e, true, nil
}

// Set stores e at key for ttl (to the millisecond), replacing any entry there. It fails
// when ttl is not positive, when Redis does not answer in time, or when ctx ends first.
func (r *Redis) Set(ctx context.Context, key string, e ports.ResolveEntry, ttl time.Duration) error {
	if ttl <= 0 {
		return errNonPositiveTTL
	}
	data, err := encodeEntry(e)
	if err != nil {
		return fmt.Errorf("cache: redis set %q: %w", key, err)
	}
	err = untilDone(ctx, func(ctx context.Context) error {
		return r.cache.Set(ctx, r.prefix+key, string(data), store.WithExpiration(ttl))
	})
	if err != nil {
		return fmt.Errorf("cache: redis set %q: %w", key, err)
	}
	return nil
}

// Delete removes the entries at keys for every replica, in one round trip (one per node on
// a cluster); absent keys are not an error. It fails when Redis does not answer in time or
// when ctx ends first: the entries may then live until their TTL.
//
// It pipelines DEL on the client instead of going through gocache, whose Delete takes one
// key per round trip; one DEL per key keeps it valid on a cluster, where a multi-key DEL
// must stay within one hash slot.
func (r *Redis) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	err := untilDone(ctx, func(ctx context.Context) error {
		_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, k := range keys {
				p.Del(ctx, r.prefix+k)
			}
			return nil
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("cache: redis delete %d keys: %w", len(keys), err)
	}
	return nil
}

// untilDone runs op and returns its error, or ctx's as soon as ctx ends, even when the
// client ignores ctx (go-redis does unless built with ContextTimeoutEnabled). An op left
// running then ends by the client's own timeouts; its result is dropped.
func untilDone(ctx context.Context, op func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Done() == nil { // never ends: no need for another goroutine
		return op(ctx)
	}
	done := make(chan error, 1)
	go func() { done <- op(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
