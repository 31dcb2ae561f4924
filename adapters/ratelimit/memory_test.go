package ratelimit_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/domain"
)

// fakeClock is a settable clock for the limiter.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestMemory_FloodOfKeysStaysBounded: 200k distinct keys (say, one per spoofed caller)
// leave at most the configured number of keys and a bounded heap.
func TestMemory_FloodOfKeysStaysBounded(t *testing.T) {
	for _, c := range []struct {
		name     string
		opts     []ratelimit.MemoryOption
		maxKeys  int
		maxHeapB uint64
	}{
		{"default", nil, ratelimit.DefaultShards * ratelimit.DefaultKeysPerShard, 20 << 20},
		{"small", []ratelimit.MemoryOption{ratelimit.WithCapacity(4, 256)}, 4 * 256, 4 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
			before := heapAlloc()
			m := ratelimit.NewMemory(clock.Now, c.opts...)
			lim := domain.Limit{Max: 5, Window: time.Hour}
			for i := range 200_000 {
				if _, err := m.Allow(context.Background(), "connect:"+strconv.Itoa(i), lim); err != nil {
					t.Fatal(err)
				}
				clock.advance(time.Millisecond)
			}
			after := heapAlloc()
			if n := m.Len(); n > c.maxKeys {
				t.Errorf("%d keys held, want at most %d", n, c.maxKeys)
			}
			if after > before && after-before > c.maxHeapB {
				t.Errorf("heap grew by %d MiB, want at most %d MiB", (after-before)>>20, c.maxHeapB>>20)
			}
			runtime.KeepAlive(m)
		})
	}
}

// TestMemory_ExactSlidingWindow: at most Max events in any rolling window, to the instant,
// with the quota the headers report.
func TestMemory_ExactSlidingWindow(t *testing.T) {
	ctx := context.Background()
	clock := &fakeClock{now: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	m := ratelimit.NewMemory(clock.Now, ratelimit.WithCapacity(2, 2))
	lim := domain.Limit{Max: 3, Window: time.Minute}
	allow := func(key string) domain.Quota {
		t.Helper()
		q, err := m.Allow(ctx, key, lim)
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	for i := range 3 { // events at 0s, 10s, 20s
		if q := allow("k"); !q.Allowed || q.Remaining != 2-i || q.Reset != lim.Window-time.Duration(i)*10*time.Second {
			t.Fatalf("event %d: %+v", i, q)
		}
		clock.advance(10 * time.Second)
	}
	clock.advance(30*time.Second - time.Nanosecond) // 59.999999999s: the first event is still inside
	if q := allow("k"); q.Allowed || q.Remaining != 0 || q.RetryAfter != time.Nanosecond || q.Reset != time.Nanosecond {
		t.Fatalf("inside the window: %+v", q)
	}
	clock.advance(time.Nanosecond) // 60s: the first event leaves, one slot frees
	if q := allow("k"); !q.Allowed || q.Remaining != 0 || q.Reset != 10*time.Second {
		t.Fatalf("at the window's end: %+v", q)
	}
	if q := allow("k"); q.Allowed || q.RetryAfter != 10*time.Second {
		t.Fatalf("refused events must not count: %+v", q)
	}
	if q := allow("other"); !q.Allowed || q.Remaining != 2 {
		t.Fatalf("keys share a window: %+v", q)
	}
	clock.advance(time.Hour) // every event is stale: the key starts over
	if q := allow("k"); !q.Allowed || q.Remaining != 2 {
		t.Fatalf("after an idle hour: %+v", q)
	}
}
