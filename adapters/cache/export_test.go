package cache

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/ports"
)

// MemoryLen is the number of entries m holds, expired ones included.
func MemoryLen(m *Memory) int { return m.len() }

// GetThroughGocache reads m through gocache's cache.Cache, the path Memory.Get avoids; the
// benchmark compares the two.
func GetThroughGocache(ctx context.Context, m *Memory, key string) (ports.ResolveEntry, error) {
	return m.cache.Get(ctx, key)
}

// SetBusPingEvery shortens how long a subscriber waits before it pings, for the test of a
// connection that dies without a word; it returns the way back.
func SetBusPingEvery(d time.Duration) (restore func()) {
	old := busPingEvery
	busPingEvery = d
	return func() { busPingEvery = old }
}
