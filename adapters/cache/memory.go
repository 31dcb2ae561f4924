package cache

import (
	"context"
	"fmt"
	"time"

	"github.com/eko/gocache/lib/v4/cache"
	"github.com/eko/gocache/lib/v4/store"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DefaultMaxEntries is Memory's capacity when NewMemory is given none: with an
// organization of a few hundred bytes, tens of megabytes at most.
const DefaultMaxEntries = 100_000

// Memory is the in-process resolve cache, the default when no Redis is configured. Each
// replica holds its own entries, so a Delete reaches only this process; the TTL bounds how
// long another replica may answer from a stale entry.
//
// It is a gocache cache over lruStore rather than gocache's Ristretto store because the
// resolve use case needs a Set to be visible to the very next Get (its negative cache
// promises at most one database query per unknown key per lifetime), and Ristretto cannot
// promise that: its Set is buffered, and even after Wait its TinyLFU admission silently
// refuses new keys once the cache is full. Measured with dgraph-io/ristretto v0.1.1 and
// store/ristretto v4.2.2 (IgnoreInternalCost, MaxCost 1000, SynchronousSet): with 1000 hot
// keys read 200 times each, 243 of 1000 new keys were missing right after a successful
// Set; with the default internal cost, 4801 of 5000 Sets into an empty 10000-entry cache
// were not visible. lruStore holds at most maxEntries entries, evicts the least recently
// used, and keeps a per-entry expiry (hashicorp's expirable LRU has one TTL per cache).
//
// Set and Delete go through gocache's cache.Cache; Get, the hot path of every page load,
// calls the store's Get directly: cache.Cache boxes the key twice and counts hits under one
// mutex shared by every caller. BenchmarkMemoryGet on a 2-vCPU VM: a hit through
// cache.Cache costs 2 allocations (32 B) and 135-190 ns; directly, none and 60-150 ns.
//
// Values are the Go values themselves, not serialized: an Org returned by Get is shared
// with every other caller and must not be modified.
type Memory struct {
	store *lruStore
	cache *cache.Cache[ports.ResolveEntry]
}

var _ ports.ResolveCache = (*Memory)(nil)

// NewMemory returns an empty in-process cache of at most maxEntries entries
// (DefaultMaxEntries when maxEntries < 1). It starts no goroutine: expired entries are
// misses until overwritten or evicted.
func NewMemory(maxEntries int) *Memory {
	if maxEntries < 1 {
		maxEntries = DefaultMaxEntries
	}
	s := newLRUStore(maxEntries)
	return &Memory{store: s, cache: cache.New[ports.ResolveEntry](s)}
}

// Get returns the live entry at key; ok is false on a miss. It never blocks, and fails
// only on a value of the wrong type (which Set never stores). The returned Org is shared:
// read it, never modify it.
func (m *Memory) Get(ctx context.Context, key string) (ports.ResolveEntry, bool, error) {
	// The store's own Get, not m.cache.Get (see Memory).
	v, err := m.store.Get(ctx, key)
	if err != nil {
		if isNotFound(err) {
			return ports.ResolveEntry{}, false, nil
		}
		return ports.ResolveEntry{}, false, err
	}
	e, ok := v.(ports.ResolveEntry)
	if !ok {
		return ports.ResolveEntry{}, false, fmt.Errorf("cache: entry at %q is a %T", key, v)
	}
	return e, true, nil
}

// Set stores a copy of e at key for ttl, visible to the next Get, evicting the least
// recently used entry when the cache is full. It fails only when ttl is not positive.
func (m *Memory) Set(ctx context.Context, key string, e ports.ResolveEntry, ttl time.Duration) error {
	if ttl <= 0 {
		return errNonPositiveTTL
	}
	return m.cache.Set(ctx, key, ports.ResolveEntry{Org: cloneOrg(e.Org)}, store.WithExpiration(ttl))
}

// Delete removes the entries at keys from this process; absent keys are not an error. It
// does not fail.
func (m *Memory) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if err := m.cache.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// len is the number of entries held, expired ones included.
func (m *Memory) len() int { return m.store.len() }

// cloneOrg copies o deeply, so that the caller's later changes do not reach the cache.
func cloneOrg(o *domain.PublicOrganization) *domain.PublicOrganization {
	if o == nil {
		return nil
	}
	c := *o
	c.LogoURL = cloneString(o.LogoURL)
	c.IconURL = cloneString(o.IconURL)
	c.LanguageCode = cloneString(o.LanguageCode)
	return &c
}

func cloneString(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}
