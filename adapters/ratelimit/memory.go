// Package ratelimit implements ports.RateLimiter as an exact sliding-window log: an event is
// allowed only when fewer than Max events happened in the last Window, so no rolling window
// ever holds more than Max (GCRA with a burst lets up to about twice through). Memory holds
// it per process; Redis holds it for every replica.
package ratelimit

import (
	"context"
	"sync"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Memory is the in-process limiter, the default when no Redis is configured.
type Memory struct {
	mu     sync.Mutex
	now    func() time.Time
	events map[string][]time.Time // per key, oldest first, at most Max entries
	calls  int
}

var _ ports.RateLimiter = (*Memory)(nil)

// NewMemory returns an in-process limiter; now is injectable for tests (nil: time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, events: map[string][]time.Time{}}
}

// Allow implements ports.RateLimiter.
func (m *Memory) Allow(_ context.Context, key string, l domain.Limit) (domain.Quota, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sweep(now, l.Window)
	ev := live(m.events[key], now.Add(-l.Window))
	q := domain.Quota{Limit: l.Max}
	if len(ev) < l.Max {
		ev = append(ev, now)
		q.Allowed = true
	}
	m.events[key] = ev
	q.Remaining = l.Max - len(ev)
	if len(ev) > 0 {
		q.Reset = ev[0].Add(l.Window).Sub(now)
	}
	if !q.Allowed {
		q.RetryAfter = q.Reset
	}
	return q, nil
}

// live drops the events at or before cutoff.
func live(ev []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(ev) && !ev[i].After(cutoff) {
		i++
	}
	return ev[i:]
}

// sweep forgets idle keys now and then so memory stays bounded by the active keys.
func (m *Memory) sweep(now time.Time, window time.Duration) {
	if m.calls++; m.calls%1024 != 0 {
		return
	}
	for k, ev := range m.events {
		if len(ev) == 0 || now.Sub(ev[len(ev)-1]) > time.Hour+window {
			delete(m.events, k)
		}
	}
}
