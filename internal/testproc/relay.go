package testproc

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"
)

// Relay forwards TCP connections from its own loopback address to a target server, and can
// be taken down (the address refuses connections, open ones are cut) and brought up again on
// the same address: a client configured with Addr sees its server go away and come back.
type Relay struct {
	// Addr is the address clients dial: 127.0.0.1:port, stable across Down and Up.
	Addr string

	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
	wg     sync.WaitGroup
}

// StartRelay forwards a free loopback address to target until the test ends.
func StartRelay(t testing.TB, target string) *Relay {
	t.Helper()
	r := &Relay{target: target, conns: map[net.Conn]bool{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testproc: relay: %v", err)
	}
	r.Addr = ln.Addr().String()
	r.serve(ln)
	t.Cleanup(r.Down)
	return r
}

// Down closes the relay's address and cuts every forwarded connection; it returns once
// they are closed.
func (r *Relay) Down() {
	r.mu.Lock()
	if r.ln != nil {
		_ = r.ln.Close() // its accept loop ends on the error this causes
		r.ln = nil
	}
	for c := range r.conns {
		_ = c.Close() // cut on purpose; its copy loop ends on the error
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// Up listens on the relay's address again.
func (r *Relay) Up(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", r.Addr)
	if err != nil {
		t.Fatalf("testproc: relay up on %s: %v", r.Addr, err)
	}
	r.serve(ln)
}

func (r *Relay) serve(ln net.Listener) {
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by Down
			}
			r.forward(c)
		}
	}()
}

// forward copies both ways between c and a new connection to the target.
func (r *Relay) forward(c net.Conn) {
	up, err := net.Dial("tcp", r.target)
	if err != nil {
		_ = c.Close() // the target is down too: the client sees the connection end
		return
	}
	if !r.track(c, up) {
		return
	}
	r.wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer r.wg.Done()
		_, _ = io.Copy(dst, src) // ends when either side closes, which is all that matters
		_ = dst.Close()
		_ = src.Close()
		r.mu.Lock()
		delete(r.conns, dst)
		delete(r.conns, src)
		r.mu.Unlock()
	}
	go pipe(up, c)
	go pipe(c, up)
}

// track registers both ends unless the relay went down meanwhile (then it closes them).
func (r *Relay) track(c, up net.Conn) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln == nil {
		_ = errors.Join(c.Close(), up.Close()) // went down between accept and dial
		return false
	}
	r.conns[c], r.conns[up] = true, true
	return true
}
