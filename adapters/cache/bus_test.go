package cache_test

import (
	"context"
	"crypto/rand"
	"net"
	"sync"
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

// A connection that goes silent without closing (a half-open TCP connection: the ping's
// write succeeds, nothing comes back) is replaced once a ping goes unanswered, and the new
// subscription resyncs, since what was published meanwhile is lost.
func TestRedisBus_ReplacesASilentConnection(t *testing.T) {
	restore := cache.SetBusPingEvery(100 * time.Millisecond)
	defer restore()
	real := redisClient(t)
	proxy := newFreezingProxy(t, real.Options().Addr)
	client := redis.NewClient(&redis.Options{Addr: proxy.addr(), MaxRetries: -1, DialTimeout: time.Second})
	closeClient(t, client)
	channel := "orgkit-test:" + rand.Text() + ":invalidate"
	resyncs := make(chan struct{}, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- cache.NewRedisBus(client, channel).Subscribe(ctx, func(string) {}, func() { resyncs <- struct{}{} })
	}()
	wait := func(what string) {
		t.Helper()
		select {
		case <-resyncs:
		case <-time.After(5 * time.Second):
			t.Fatalf("no resync %s", what)
		}
	}
	wait("after subscribing")
	proxy.freeze() // the connections stay open and carry nothing
	wait("after the connection went silent")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// freezingProxy forwards TCP to a target until freeze, after which its open connections
// carry nothing while staying open; new connections forward again.
type freezingProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	frozen []net.Conn
}

func newFreezingProxy(t *testing.T, target string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln, target: target}
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.frozen {
			_ = c.Close()
		}
	})
	go p.serve()
	return p
}

func (p *freezingProxy) addr() string { return p.ln.Addr().String() }

func (p *freezingProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		p.mu.Lock()
		p.frozen = append(p.frozen, c, up)
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

// pipe copies until the connection is frozen (its deadline passes) or closed.
func (p *freezingProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// freeze stops every open connection from carrying anything, without closing it.
func (p *freezingProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.frozen {
		_ = c.SetReadDeadline(time.Now())
	}
}
