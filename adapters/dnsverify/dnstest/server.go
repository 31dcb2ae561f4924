// Package dnstest runs a real DNS server on loopback, over UDP and TCP on one port, that
// answers with the TXT records, CNAMEs and failures a test sets per name. TXT lookups are
// then exercised over the wire (truncation, TCP retry, timeouts) instead of against a fake.
package dnstest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server is a DNS server on 127.0.0.1 whose answers are set per name. It is safe for
// concurrent use; names are case-insensitive and may be given with or without the trailing
// dot. A name nothing was set for answers NXDOMAIN.
type Server struct {
	addr    string
	running []*dns.Server // the loops that started, for Close
	served  chan error    // one value per started loop when it ends

	mu         sync.Mutex
	names      map[string]*behaviour // by dns.CanonicalName
	udpQueries map[string]int
	tcpQueries map[string]int
	writeFails int
	firstFail  error

	closeOnce sync.Once
	closeErr  error
}

// Start starts a Server for a test and closes it when the test ends; a server that does not
// start fails the test, and so does one that does not shut down cleanly.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := Listen()
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("dnstest: %v", err)
		}
	})
	return s
}

// Listen starts a Server outside a test (a benchmark program, say); the caller must Close
// it. Errors: no loopback port free for both UDP and TCP, or a serve loop that fails to
// start.
func Listen() (*Server, error) {
	pc, ln, err := listenBoth()
	if err != nil {
		return nil, err
	}
	s := &Server{
		addr:       ln.Addr().String(),
		served:     make(chan error, 2),
		names:      map[string]*behaviour{},
		udpQueries: map[string]int{},
		tcpQueries: map[string]int{},
	}
	handler := dns.HandlerFunc(s.serveDNS)
	for _, srv := range []*dns.Server{
		{PacketConn: pc, Handler: handler, UDPSize: maxUDPSize},
		{Listener: ln, Handler: handler},
	} {
		if err := s.serve(srv); err != nil {
			err = errors.Join(err, s.Close())
			// A loop that did not start left its socket open. Closing a socket a stopped
			// loop already closed fails, and says nothing worth reporting.
			_ = pc.Close()
			_ = ln.Close()
			return nil, err
		}
	}
	return s, nil
}

// listenBoth opens a UDP socket and a TCP listener on the same loopback port, so one
// address serves both transports like a real resolver. The kernel picks the TCP port; the
// UDP port of that number may be taken, so it tries a few times.
func listenBoth() (net.PacketConn, net.Listener, error) {
	var last error
	for range 20 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("dnstest: listen tcp: %w", err)
		}
		pc, err := net.ListenPacket("udp", ln.Addr().String())
		if err == nil {
			return pc, ln, nil
		}
		last = err
		if cerr := ln.Close(); cerr != nil {
			return nil, nil, fmt.Errorf("dnstest: %w", errors.Join(err, cerr))
		}
	}
	return nil, nil, fmt.Errorf("dnstest: no loopback port free for both UDP and TCP: %w", last)
}

// serve runs srv's loop in the background and returns once it is accepting queries, so a
// query sent right after Listen is answered and Close never races a loop still starting.
func (s *Server) serve(srv *dns.Server) error {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	loop := make(chan error, 1)
	go func() { loop <- srv.ActivateAndServe() }()
	select {
	case <-started:
		s.running = append(s.running, srv)
		go func() { s.served <- <-loop }()
		return nil
	case err := <-loop:
		return fmt.Errorf("dnstest: serve: %w", err)
	}
}

// Addr is the server's host:port, the same for UDP and TCP.
func (s *Server) Addr() string { return s.addr }

// Close stops the server and waits for its loops to end. It may be called more than once.
// Errors: a loop that failed or did not shut down, or answers that could not be written
// (the first one, with their count).
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for _, srv := range s.running {
			if err := srv.Shutdown(); err != nil {
				errs = append(errs, fmt.Errorf("shutdown: %w", err))
			}
		}
		for range s.running {
			if err := <-s.served; err != nil {
				errs = append(errs, fmt.Errorf("serve: %w", err))
			}
		}
		s.mu.Lock()
		if s.writeFails > 0 {
			errs = append(errs, fmt.Errorf("%d answers not written; first: %w", s.writeFails, s.firstFail))
		}
		s.mu.Unlock()
		s.closeErr = errors.Join(errs...)
	})
	return s.closeErr
}
