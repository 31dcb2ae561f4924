package cache_test

import (
	"context"
	"crypto/rand"
	"strconv"
	"testing"

	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

func TestMemory_Contract(t *testing.T) {
	runContract(t, func(*testing.T) ports.ResolveCache { return cache.NewMemory(1000) })
}

// A flood of distinct keys (say, random host names probed by a scanner) keeps the cache at
// its capacity, whether it is one shard or split into many.
func TestMemory_Bounded(t *testing.T) {
	for _, capacity := range []int{1, 200, 10_000} {
		t.Run(strconv.Itoa(capacity), func(t *testing.T) {
			m := cache.NewMemory(capacity)
			for i := range 20 * capacity {
				key := "domain:" + rand.Text() + ".example.com"
				mustSet(t, m, key, ports.ResolveEntry{}, longTTL)
				if i%capacity == 0 {
					if n := cache.MemoryLen(m); n > capacity {
						t.Fatalf("after %d keys: %d entries, capacity %d", i+1, n, capacity)
					}
				}
			}
			if n := cache.MemoryLen(m); n != capacity {
				t.Errorf("after %d keys: %d entries, want the capacity %d", 20*capacity, n, capacity)
			}
		})
	}
}

// A Set is visible to the very next Get even when the cache is full of entries read far more
// often than the new one (where Ristretto's admission policy silently drops the new key).
func TestMemory_SetVisibleAtOnceWhenFull(t *testing.T) {
	const capacity = 1000
	m := cache.NewMemory(capacity)
	ctx := context.Background()
	for i := range capacity {
		key := "slug:hot" + strconv.Itoa(i)
		mustSet(t, m, key, ports.ResolveEntry{Org: bareOrg()}, longTTL)
		for range 50 {
			if _, ok, err := m.Get(ctx, key); !ok || err != nil {
				t.Fatalf("Get %q: %v, %v", key, ok, err)
			}
		}
	}
	missing := 0
	for i := range 5 * capacity {
		key := "domain:new" + strconv.Itoa(i) + ".example.com"
		mustSet(t, m, key, ports.ResolveEntry{}, longTTL)
		if e, ok, err := m.Get(ctx, key); !ok || err != nil || e.Org != nil {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d new keys were not readable right after their Set", missing, 5*capacity)
	}
}

// The least recently used entry is the one evicted, and reading an entry counts as a use.
func TestMemory_EvictsLeastRecentlyUsed(t *testing.T) {
	m := cache.NewMemory(3)
	for _, k := range []string{"slug:a", "slug:b", "slug:c"} {
		mustSet(t, m, k, ports.ResolveEntry{}, longTTL)
	}
	mustHitOrg(t, m, "slug:a", nil)
	mustSet(t, m, "slug:d", ports.ResolveEntry{}, longTTL)
	mustMiss(t, m, "slug:b")
	for _, k := range []string{"slug:a", "slug:c", "slug:d"} {
		mustHitOrg(t, m, k, nil)
	}
}

// The cache keeps its own copy: the caller may reuse what it passed to Set.
func TestMemory_SetCopies(t *testing.T) {
	m := cache.NewMemory(10)
	org := fullOrg()
	mustSet(t, m, "slug:acme", ports.ResolveEntry{Org: org}, longTTL)
	org.Name = "Changed"
	*org.LogoURL = "https://changed.example.com/logo.png"
	org.IconURL = nil
	mustHitOrg(t, m, "slug:acme", fullOrg())
}

// Any capacity below 1 means DefaultMaxEntries.
func TestMemory_DefaultCapacity(t *testing.T) {
	m := cache.NewMemory(0)
	for i := range 2 * cache.DefaultMaxEntries {
		mustSet(t, m, "slug:"+strconv.Itoa(i), ports.ResolveEntry{Org: &domain.PublicOrganization{ID: int64(i)}}, longTTL)
	}
	if n := cache.MemoryLen(m); n != cache.DefaultMaxEntries {
		t.Errorf("%d entries, want DefaultMaxEntries (%d)", n, cache.DefaultMaxEntries)
	}
}
