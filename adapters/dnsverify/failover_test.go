package dnsverify_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/ports"
)

const shortTimeout = 200 * time.Millisecond

// closedPort returns a loopback UDP address nothing listens on: a query there fails at once
// with "connection refused".
func closedPort(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	if err := pc.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

func TestResolver_LookupTXT_resolverFailures(t *testing.T) {
	t.Parallel()
	const name = "_orgkit-verification.example.com"

	for _, tc := range []struct {
		name  string
		rcode int
	}{
		{"servfail", dns.RcodeServerFailure},
		{"refused", dns.RcodeRefused},
		{"notimp", dns.RcodeNotImplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := dnstest.Start(t)
			srv.SetRcode(name, tc.rcode)
			_, err := lookup(t, resolver(t, 0, srv.Addr()), name)
			if err == nil || errors.Is(err, ports.ErrNoTXTRecords) {
				t.Fatalf("error %v, want a resolver error", err)
			}
		})
	}

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTimeout(name)
		start := time.Now()
		_, err := lookup(t, resolver(t, shortTimeout, srv.Addr()), name)
		if elapsed := time.Since(start); elapsed < shortTimeout || elapsed > 2*time.Second {
			t.Fatalf("returned after %v, want about %v", elapsed, shortTimeout)
		}
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want a timeout", err)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		_, err := lookup(t, resolver(t, shortTimeout, closedPort(t)), name)
		if err == nil || errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want a resolver error", err)
		}
	})

	t.Run("every_resolver_fails", func(t *testing.T) {
		t.Parallel()
		first, second := dnstest.Start(t), dnstest.Start(t)
		first.SetTimeout(name)
		second.SetRcode(name, dns.RcodeServerFailure)
		_, err := lookup(t, resolver(t, shortTimeout, first.Addr(), second.Addr()), name)
		if err == nil || errors.Is(err, ports.ErrNoTXTRecords) || errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want the last resolver's SERVFAIL", err)
		}
		if first.Queries(name) != 1 || second.Queries(name) != 1 {
			t.Fatalf("queries %d and %d, want 1 and 1", first.Queries(name), second.Queries(name))
		}
	})
}

func TestResolver_LookupTXT_nextResolver(t *testing.T) {
	t.Parallel()
	const name = "_orgkit-verification.example.com"
	for _, tc := range []struct {
		name  string
		first func(t *testing.T) string // the failing first resolver's address
	}{
		{"after_servfail", func(t *testing.T) string {
			s := dnstest.Start(t)
			s.SetRcode(name, dns.RcodeServerFailure)
			return s.Addr()
		}},
		{"after_refused", func(t *testing.T) string {
			s := dnstest.Start(t)
			s.SetRcode(name, dns.RcodeRefused)
			return s.Addr()
		}},
		{"after_timeout", func(t *testing.T) string {
			s := dnstest.Start(t)
			s.SetTimeout(name)
			return s.Addr()
		}},
		{"after_unreachable", closedPort},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first := tc.first(t)
			second := dnstest.Start(t)
			second.SetTXT(name, "orgkit-verify=abc123")
			got, err := lookup(t, resolver(t, shortTimeout, first, second.Addr()), name)
			wantRecords(t, got, err, "orgkit-verify=abc123")
		})
	}

	t.Run("not_after_nxdomain", func(t *testing.T) {
		t.Parallel()
		first, second := dnstest.Start(t), dnstest.Start(t)
		second.SetTXT(name, "orgkit-verify=abc123")
		_, err := lookup(t, resolver(t, 0, first.Addr(), second.Addr()), name)
		if !errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want ErrNoTXTRecords", err)
		}
		if n := second.Queries(name); n != 0 {
			t.Fatalf("second resolver asked %d times after an NXDOMAIN answer", n)
		}
	})

	t.Run("not_after_noerror_without_txt", func(t *testing.T) {
		t.Parallel()
		first, second := dnstest.Start(t), dnstest.Start(t)
		first.SetRcode(name, dns.RcodeSuccess)
		second.SetTXT(name, "orgkit-verify=abc123")
		_, err := lookup(t, resolver(t, 0, first.Addr(), second.Addr()), name)
		if !errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want ErrNoTXTRecords", err)
		}
		if n := second.Queries(name); n != 0 {
			t.Fatalf("second resolver asked %d times after an empty answer", n)
		}
	})
}

func TestResolver_LookupTXT_context(t *testing.T) {
	t.Parallel()
	const name = "_orgkit-verification.example.com"

	t.Run("cancelled_while_waiting", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTimeout(name)
		second := dnstest.Start(t)
		second.SetTXT(name, "v")
		r := resolver(t, 10*time.Second, srv.Addr(), second.Addr())
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := r.LookupTXT(ctx, name)
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Fatalf("returned %v after cancellation", elapsed)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if n := second.Queries(name); n != 0 {
			t.Fatalf("second resolver asked %d times after cancellation", n)
		}
	})

	t.Run("already_cancelled", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT(name, "v")
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := resolver(t, 0, srv.Addr()).LookupTXT(ctx, name)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
	})

	t.Run("deadline_shorter_than_timeout", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTimeout(name)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := resolver(t, 10*time.Second, srv.Addr()).LookupTXT(ctx, name)
		if elapsed := time.Since(start); elapsed > 2*time.Second {
			t.Fatalf("returned after %v, past the context's deadline", elapsed)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("error %v, want context.DeadlineExceeded", err)
		}
	})
}
