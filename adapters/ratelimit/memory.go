// Package ratelimit implements ports.RateLimiter as an exact sliding-window log: an event is
// allowed only when fewer than Max events happened in the last Window, so no rolling window
// ever holds more than Max (GCRA with a burst lets up to about twice through). Memory holds
// it per process; Redis holds it for every replica.
package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Default capacity of Memory: DefaultShards x DefaultKeysPerShard keys.
const (
	DefaultShards       = 16
	DefaultKeysPerShard = 4096
)

// Memory is the in-process limiter, the default when no Redis is configured. Keys are
// spread over shards, each with its own lock and a fixed-size LRU, so a flood of distinct
// keys costs bounded memory and one caller never waits for a sweep of everyone's keys.
// Evicting a key forgets its window early; with the default capacity that takes tens of
// thousands of fresher keys in the same shard.
type Memory struct {
	now    func() time.Time
	seed   maphash.Seed
	shards []*shard
}

type shard struct {
	mu   sync.Mutex
	keys *simplelru.LRU[string, *eventLog]
}

// eventLog holds one key's events, oldest first, never more than the limit's Max.
type eventLog struct{ ev []time.Time }

var _ ports.RateLimiter = (*Memory)(nil)

// MemoryOption configures NewMemory.
type MemoryOption func(shards, perShard *int)

// WithCapacity sets the number of shards and the keys each holds before evicting the least
// recently used; values below 1 count as 1.
func WithCapacity(shards, keysPerShard int) MemoryOption {
	return func(s, p *int) { *s, *p = max(1, shards), max(1, keysPerShard) }
}

// NewMemory returns an in-process limiter; now is injectable for tests (nil: time.Now).
// It starts no goroutine: stale events are trimmed when their key is used.
func NewMemory(now func() time.Time, opts ...MemoryOption) *Memory {
	if now == nil {
		now = time.Now
	}
	n, per := DefaultShards, DefaultKeysPerShard
	for _, o := range opts {
		o(&n, &per)
	}
	m := &Memory{now: now, seed: maphash.MakeSeed(), shards: make([]*shard, n)}
	for i := range m.shards {
		lru, err := simplelru.NewLRU[string, *eventLog](per, nil)
		if err != nil {
			panic(err) // unreachable: per >= 1
		}
		m.shards[i] = &shard{keys: lru}
	}
	return m
}

// Len reports how many keys the limiter holds (for tests and metrics).
func (m *Memory) Len() int {
	n := 0
	for _, s := range m.shards {
		s.mu.Lock()
		n += s.keys.Len()
		s.mu.Unlock()
	}
	return n
}

// Allow implements ports.RateLimiter.
func (m *Memory) Allow(_ context.Context, key string, l domain.Limit) (domain.Quota, error) {
	s := m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now()
	log, ok := s.keys.Get(key)
	if !ok {
		log = &eventLog{}
	}
	log.trim(now.Add(-l.Window))
	q := domain.Quota{Limit: l.Max}
	if len(log.ev) < l.Max {
		log.ev = append(log.ev, now)
		q.Allowed = true
	}
	if len(log.ev) == 0 {
		s.keys.Remove(key)
	} else if !ok {
		s.keys.Add(key, log)
	}
	q.Remaining = l.Max - len(log.ev)
	if len(log.ev) > 0 {
		q.Reset = log.ev[0].Add(l.Window).Sub(now)
	}
	if !q.Allowed {
		q.RetryAfter = q.Reset
	}
	return q, nil
}

// trim drops the events at or before cutoff, in place so the log never outgrows Max.
func (l *eventLog) trim(cutoff time.Time) {
	i := 0
	for i < len(l.ev) && !l.ev[i].After(cutoff) {
		i++
	}
	l.ev = l.ev[:copy(l.ev, l.ev[i:])]
}
