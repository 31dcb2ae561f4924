package cache_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/adapters/cache"
)

// Two subscribers on one channel both receive what a third bus publishes, in order, and each
// is told to resync once its subscription stands.
func TestRedisBus_PublishReachesEverySubscriber(t *testing.T) {
	client := redisClient(t)
	channel := "orgkit-test:" + rand.Text() + ":invalidate"
	ctx, cancel := context.WithCancel(context.Background())
	type sub struct {
		msgs    chan string
		resyncs chan struct{}
		done    chan error
	}
	var subs []sub
	for range 2 {
		s := sub{msgs: make(chan string, 10), resyncs: make(chan struct{}, 10), done: make(chan error, 1)}
		bus := cache.NewRedisBus(client, channel)
		go func() {
			s.done <- bus.Subscribe(ctx, func(m string) { s.msgs <- m }, func() { s.resyncs <- struct{}{} })
		}()
		subs = append(subs, s)
	}
	for i, s := range subs {
		select {
		case <-s.resyncs:
		case <-time.After(5 * time.Second):
			t.Fatalf("subscriber %d: no resync after subscribing", i)
		}
	}
	pub := cache.NewRedisBus(client, channel)
	for _, m := range []string{"o:1", "u:2,3"} {
		if err := pub.Publish(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range subs {
		for _, want := range []string{"o:1", "u:2,3"} {
			select {
			case got := <-s.msgs:
				if got != want {
					t.Errorf("subscriber %d got %q, want %q", i, got, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("subscriber %d: %q never arrived", i, want)
			}
		}
	}
	cancel()
	for i, s := range subs {
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("subscriber %d ended with %v", i, err)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("subscriber %d did not stop when its context ended", i)
		}
	}
}

// Publishing to an unreachable Redis fails (the cache then logs and relies on its TTL).
func TestRedisBus_PublishFailsWithoutRedis(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	closeClient(t, client)
	bus := cache.NewRedisBus(client, "orgkit-test:invalidate")
	if err := bus.Publish(context.Background(), "o:1"); err == nil {
		t.Fatal("publish to an unreachable Redis succeeded")
	}
}
