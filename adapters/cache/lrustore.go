package cache

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"

	"github.com/eko/gocache/lib/v4/store"
	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// lruStoreType is what lruStore.GetType reports.
const lruStoreType = "orgkit-lru"

// minPerShard is the fewest entries a shard holds: below it the cache is not split, so a
// small cache evicts in exact least-recently-used order.
const minPerShard = 128

// maxShards bounds the number of shards (a power of two).
const maxShards = 64

// errLRUMiss is the one miss lruStore returns, allocated once: a miss costs no allocation.
var errLRUMiss = store.NotFoundWithCause(errors.New("no live entry in the in-process store"))

// errKeyNotString refuses a key gocache did not already turn into a string. It does not
// quote the key, so that the key never escapes and a Get does not allocate.
var errKeyNotString = errors.New("cache: in-process store keys must be strings")

// lruStore is a gocache store (store.StoreInterface) holding Go values as they are, with a
// per-entry expiry, in a fixed number of entries: keys are spread over shards, each a
// least-recently-used list of fixed size under its own lock. A Set is in place when it
// returns, so the next Get sees it; an entry is dropped only to make room (least recently
// used first) or by Delete. An expired entry is a miss until overwritten or evicted.
type lruStore struct {
	epoch  time.Time // expiries are monotonic offsets from it, immune to wall-clock jumps
	seed   maphash.Seed
	mask   uint64 // len(shards)-1
	shards []*lruShard
}

type lruShard struct {
	mu      sync.Mutex
	entries *simplelru.LRU[string, lruItem]
}

// lruItem is a stored value and when it expires (0: never).
type lruItem struct {
	value   any
	expires time.Duration // since epoch
}

var _ store.StoreInterface = (*lruStore)(nil)

// newLRUStore returns a store of at most maxEntries entries (at least 1).
func newLRUStore(maxEntries int) *lruStore {
	maxEntries = max(1, maxEntries)
	n := 1
	for n < maxShards && maxEntries/(2*n) >= minPerShard {
		n *= 2
	}
	s := &lruStore{epoch: time.Now(), seed: maphash.MakeSeed(), mask: uint64(n - 1), shards: make([]*lruShard, n)}
	for i := range s.shards {
		size := maxEntries / n
		if i < maxEntries%n {
			size++
		}
		lru, err := simplelru.NewLRU[string, lruItem](size, nil)
		if err != nil { // only for size < 1, excluded above
			panic(fmt.Sprintf("cache: shard of %d entries: %v", size, err))
		}
		s.shards[i] = &lruShard{entries: lru}
	}
	return s
}

func (s *lruStore) shard(key string) *lruShard {
	if s.mask == 0 {
		return s.shards[0]
	}
	return s.shards[maphash.String(s.seed, key)&s.mask]
}

// lookup returns the live value at key and how long it has left (0: no expiry).
func (s *lruStore) lookup(key string) (value any, left time.Duration, ok bool) {
	sh := s.shard(key)
	sh.mu.Lock()
	it, ok := sh.entries.Get(key)
	sh.mu.Unlock()
	if !ok {
		return nil, 0, false
	}
	if it.expires != 0 {
		if left = it.expires - time.Since(s.epoch); left <= 0 {
			return nil, 0, false
		}
	}
	return it.value, left, true
}

// put stores value at key for ttl (0: no expiry).
func (s *lruStore) put(key string, value any, ttl time.Duration) {
	it := lruItem{value: value}
	if ttl != 0 {
		it.expires = time.Since(s.epoch) + ttl
	}
	sh := s.shard(key)
	sh.mu.Lock()
	sh.entries.Add(key, it)
	sh.mu.Unlock()
}

func (s *lruStore) remove(key string) {
	sh := s.shard(key)
	sh.mu.Lock()
	sh.entries.Remove(key)
	sh.mu.Unlock()
}

// len is the number of entries held, expired ones included.
func (s *lruStore) len() int {
	n := 0
	for _, sh := range s.shards {
		sh.mu.Lock()
		n += sh.entries.Len()
		sh.mu.Unlock()
	}
	return n
}

// Get returns the value at key, or a store.NotFound error when there is none or it expired.
func (s *lruStore) Get(_ context.Context, key any) (any, error) {
	k, ok := key.(string)
	if !ok {
		return nil, errKeyNotString
	}
	v, _, ok := s.lookup(k)
	if !ok {
		return nil, errLRUMiss
	}
	return v, nil
}

// GetWithTTL is Get with the time the entry has left (0 for an entry that never expires).
func (s *lruStore) GetWithTTL(_ context.Context, key any) (any, time.Duration, error) {
	k, ok := key.(string)
	if !ok {
		return nil, 0, errKeyNotString
	}
	v, left, ok := s.lookup(k)
	if !ok {
		return nil, 0, errLRUMiss
	}
	return v, left, nil
}

// Set stores value at key until store.WithExpiration's duration passes (none: it never
// expires). It fails for a key that is not a string, a negative expiration, or tags (not
// supported).
func (s *lruStore) Set(_ context.Context, key any, value any, options ...store.Option) error {
	k, ok := key.(string)
	if !ok {
		return errKeyNotString
	}
	opts := store.ApplyOptions(options...)
	if opts.Expiration < 0 {
		return errNonPositiveTTL
	}
	if len(opts.Tags) > 0 {
		return fmt.Errorf("cache: tags: %w", store.ErrNotSupported)
	}
	s.put(k, value, opts.Expiration)
	return nil
}

// Delete removes the entry at key; an absent key is not an error.
func (s *lruStore) Delete(_ context.Context, key any) error {
	k, ok := key.(string)
	if !ok {
		return errKeyNotString
	}
	s.remove(k)
	return nil
}

// Invalidate fails with store.ErrNotSupported when given tags (they are not kept).
func (s *lruStore) Invalidate(_ context.Context, options ...store.InvalidateOption) error {
	if len(store.ApplyInvalidateOptions(options...).Tags) > 0 {
		return fmt.Errorf("cache: tags: %w", store.ErrNotSupported)
	}
	return nil
}

// Clear removes every entry.
func (s *lruStore) Clear(context.Context) error {
	for _, sh := range s.shards {
		sh.mu.Lock()
		sh.entries.Purge()
		sh.mu.Unlock()
	}
	return nil
}

// GetType names the store for gocache.
func (s *lruStore) GetType() string { return lruStoreType }
