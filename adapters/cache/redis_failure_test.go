package cache_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/ports"
)

// op is one cache operation, for the tests that run all three against a broken Redis.
type op struct {
	name string
	run  func(ctx context.Context, c ports.ResolveCache) error
}

var ops = []op{
	{"Get", func(ctx context.Context, c ports.ResolveCache) error {
		e, ok, err := c.Get(ctx, "slug:acme")
		if ok || e.Org != nil {
			return errors.New("a hit from a Redis that cannot answer")
		}
		return err
	}},
	{"Set", func(ctx context.Context, c ports.ResolveCache) error {
		return c.Set(ctx, "slug:acme", ports.ResolveEntry{Org: fullOrg()}, time.Minute)
	}},
	{"Delete", func(ctx context.Context, c ports.ResolveCache) error {
		return c.Delete(ctx, "slug:acme", "domain:clinic.example.com")
	}},
}

func closeClient(t *testing.T, client *redis.Client) {
	t.Helper()
	t.Cleanup(func() {
		if err := client.Close(); err != nil {
			t.Errorf("close redis client: %v", err)
		}
	})
}

// A Redis nobody listens at fails every operation, within the client's dial timeout.
func TestRedis_Unreachable(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	closeClient(t, client)
	c := cache.NewRedis(client, "orgkit-test:resolve:")
	for _, o := range ops {
		start := time.Now()
		err := o.run(context.Background(), c)
		if err == nil {
			t.Errorf("%s: no error from an unreachable Redis", o.name)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v", o.name, d)
		}
	}
}

// A Redis that accepts connections and never answers: each operation returns when ctx ends,
// long before the client's own (deliberately long) timeouts.
func TestRedis_HonorsContext(t *testing.T) {
	addr := silentServer(t)
	client := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 30 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second, MaxRetries: -1})
	closeClient(t, client)
	c := cache.NewRedis(client, "orgkit-test:resolve:")
	for _, o := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		start := time.Now()
		err := o.run(ctx, c)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v, want context.DeadlineExceeded", o.name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v", o.name, d)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, o := range ops {
		if err := o.run(ctx, c); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled ctx: %v, want context.Canceled", o.name, err)
		}
	}
}

// silentServer listens on loopback, accepts connections and never writes to them; they
// close when the test ends.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return // the listener closed
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		if err := ln.Close(); err != nil {
			t.Errorf("close listener: %v", err)
		}
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			if err := c.Close(); err != nil {
				t.Errorf("close connection: %v", err)
			}
		}
	})
	return ln.Addr().String()
}
