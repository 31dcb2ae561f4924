// Package ratelimittest gives tests Redis failures that are hard to stage with a real Redis.
package ratelimittest

import (
	"net"
	"sync"
	"testing"
)

// FrozenRedis returns the address of a loopback listener that accepts connections and never
// answers, like a Redis stuck in a long command or behind a black-holed network. The
// listener and every accepted connection close when the test ends.
func FrozenRedis(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("ratelimittest: %v", err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			c, err := ln.Accept()
			if err != nil {
				return // the listener closed
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}
