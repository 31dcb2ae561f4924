package cache

import (
	"context"

	"github.com/orgkit/orgkit/ports"
)

// MemoryLen is the number of entries m holds, expired ones included.
func MemoryLen(m *Memory) int { return m.len() }

// GetThroughGocache reads m through gocache's cache.Cache, the path Memory.Get avoids; the
// benchmark compares the two.
func GetThroughGocache(ctx context.Context, m *Memory, key string) (ports.ResolveEntry, error) {
	return m.cache.Get(ctx, key)
}
