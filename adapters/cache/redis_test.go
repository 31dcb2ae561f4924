package cache_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/internal/testenv"
	"github.com/orgkit/orgkit/ports"
)

// redisClient connects to ORGKIT_TEST_REDIS_URL (the test is skipped without it, and fails
// under CI=true).
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	url := testenv.Redis(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("ORGKIT_TEST_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() {
		if err := client.Close(); err != nil {
			t.Errorf("close redis client: %v", err)
		}
	})
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", url, err)
	}
	return client
}

// testPrefix returns a prefix no other test (or package run in parallel) uses, and removes
// its keys when the test ends.
func testPrefix(t *testing.T, client *redis.Client) string {
	t.Helper()
	prefix := "orgkit-test:resolve:" + rand.Text() + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		keys, err := client.Keys(ctx, prefix+"*").Result()
		if err != nil {
			t.Errorf("list test keys: %v", err)
			return
		}
		if len(keys) > 0 {
			if err := client.Del(ctx, keys...).Err(); err != nil {
				t.Errorf("remove test keys: %v", err)
			}
		}
	})
	return prefix
}

func TestRedis_Contract(t *testing.T) {
	client := redisClient(t)
	runContract(t, func(t *testing.T) ports.ResolveCache { return cache.NewRedis(client, testPrefix(t, client)) })
}

// Two prefixes on one Redis are two caches: neither reads nor deletes the other's entries.
func TestRedis_PrefixesAreIsolated(t *testing.T) {
	client := redisClient(t)
	a := cache.NewRedis(client, testPrefix(t, client))
	b := cache.NewRedis(client, testPrefix(t, client))
	mustSet(t, a, "slug:acme", ports.ResolveEntry{Org: fullOrg()}, longTTL)
	mustMiss(t, b, "slug:acme")
	mustSet(t, b, "slug:acme", ports.ResolveEntry{}, longTTL)
	mustHitOrg(t, a, "slug:acme", fullOrg())
	if err := b.Delete(context.Background(), "slug:acme"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustHitOrg(t, a, "slug:acme", fullOrg())
	mustMiss(t, b, "slug:acme")
}

// An entry lives at prefix+key with the TTL to the millisecond (not rounded to seconds).
func TestRedis_KeyAndTTL(t *testing.T) {
	client := redisClient(t)
	prefix := testPrefix(t, client)
	c := cache.NewRedis(client, prefix)
	mustSet(t, c, "domain:clinic.example.com", ports.ResolveEntry{}, 1500*time.Millisecond)
	pttl, err := client.PTTL(context.Background(), prefix+"domain:clinic.example.com").Result()
	if err != nil {
		t.Fatalf("PTTL: %v", err)
	}
	if pttl <= time.Second || pttl > 1500*time.Millisecond {
		t.Errorf("PTTL = %v, want in (1s, 1.5s]", pttl)
	}
}

// A value this release cannot read is an error (the caller goes to the database and then
// overwrites it), not an entry and not a miss.
func TestRedis_UnreadableValue(t *testing.T) {
	client := redisClient(t)
	prefix := testPrefix(t, client)
	c := cache.NewRedis(client, prefix)
	for name, raw := range map[string]string{
		"not_json":      "acme",
		"other_version": `{"v":2,"neg":true}`,
		"no_marker":     `{"v":1}`,
		"both_markers":  `{"v":1,"neg":true,"org":{"id":1}}`,
	} {
		if err := client.Set(context.Background(), prefix+"slug:"+name, raw, time.Minute).Err(); err != nil {
			t.Fatalf("SET: %v", err)
		}
		if e, ok, err := c.Get(context.Background(), "slug:"+name); err == nil || ok || e.Org != nil {
			t.Errorf("%s: Get = %+v, %v, %v; want an error", name, e, ok, err)
		}
	}
}
