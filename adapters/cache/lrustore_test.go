package cache

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	gocache "github.com/eko/gocache/lib/v4/cache"
	"github.com/eko/gocache/lib/v4/store"
)

// lruStore behaves as a gocache store when used through gocache's own cache.Cache.
func TestLRUStore_ThroughGocache(t *testing.T) {
	ctx := context.Background()
	c := gocache.New[string](newLRUStore(10))

	if _, err := c.Get(ctx, "absent"); !errors.Is(err, store.NotFound{}) {
		t.Errorf("Get of an absent key: %v, want store.NotFound", err)
	}
	if err := c.Set(ctx, "k", "v", store.WithExpiration(time.Hour)); err != nil {
		t.Fatalf("Set: %v", err)
	}
	v, ttl, err := c.GetWithTTL(ctx, "k")
	if err != nil || v != "v" || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("GetWithTTL = %q, %v, %v; want v with about an hour left", v, ttl, err)
	}
	if err := c.Set(ctx, "forever", "f"); err != nil {
		t.Fatalf("Set without expiration: %v", err)
	}
	if _, ttl, err := c.GetWithTTL(ctx, "forever"); err != nil || ttl != 0 {
		t.Errorf("GetWithTTL of an entry without expiration: %v, %v; want 0, nil", ttl, err)
	}
	if err := c.Set(ctx, "k", "v", store.WithTags([]string{"t"})); !errors.Is(err, store.ErrNotSupported) {
		t.Errorf("Set with tags: %v, want store.ErrNotSupported", err)
	}
	if err := c.Invalidate(ctx, store.WithInvalidateTags([]string{"t"})); !errors.Is(err, store.ErrNotSupported) {
		t.Errorf("Invalidate by tags: %v, want store.ErrNotSupported", err)
	}
	if err := c.Set(ctx, "k", "v", store.WithExpiration(-time.Second)); err == nil {
		t.Error("Set with a negative expiration: no error")
	}
	if err := c.Delete(ctx, "k"); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if _, err := c.Get(ctx, "k"); !errors.Is(err, store.NotFound{}) {
		t.Errorf("Get after Delete: %v, want store.NotFound", err)
	}
	if err := c.Clear(ctx); err != nil {
		t.Errorf("Clear: %v", err)
	}
	if _, err := c.Get(ctx, "forever"); !errors.Is(err, store.NotFound{}) {
		t.Errorf("Get after Clear: %v, want store.NotFound", err)
	}
	if got := c.GetCodec().GetStore().GetType(); got != lruStoreType {
		t.Errorf("GetType = %q", got)
	}
}

// gocache turns any key into a string before the store sees it; a direct caller passing
// another type gets an error, not a panic.
func TestLRUStore_NonStringKey(t *testing.T) {
	s := newLRUStore(10)
	ctx := context.Background()
	if _, err := s.Get(ctx, 1); !errors.Is(err, errKeyNotString) {
		t.Errorf("Get: %v", err)
	}
	if _, _, err := s.GetWithTTL(ctx, 1); !errors.Is(err, errKeyNotString) {
		t.Errorf("GetWithTTL: %v", err)
	}
	if err := s.Set(ctx, 1, "v"); !errors.Is(err, errKeyNotString) {
		t.Errorf("Set: %v", err)
	}
	if err := s.Delete(ctx, 1); !errors.Is(err, errKeyNotString) {
		t.Errorf("Delete: %v", err)
	}
}

// The shards' capacities add up to exactly the store's, at every split.
func TestLRUStore_ShardCapacities(t *testing.T) {
	for _, capacity := range []int{1, 255, 256, 257, 1000, 10_000, 100_001} {
		s := newLRUStore(capacity)
		for i := range 2*capacity + 1 {
			s.put("k"+strconv.Itoa(i), i, 0)
		}
		if n := s.len(); n != capacity {
			t.Errorf("capacity %d over %d shards: holds %d when overfilled", capacity, len(s.shards), n)
		}
		if len(s.shards) > 1 && capacity/len(s.shards) < minPerShard {
			t.Errorf("capacity %d: %d shards of fewer than %d entries", capacity, len(s.shards), minPerShard)
		}
	}
}
