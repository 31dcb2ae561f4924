package dnstest_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
)

// ask sends one TXT query for name over network ("udp" or "tcp"), without EDNS0 so the
// 512-byte UDP limit applies.
func ask(t *testing.T, srv *dnstest.Server, network, name string) (*dns.Msg, error) {
	t.Helper()
	q := new(dns.Msg)
	q.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
	c := dns.Client{Net: network, Timeout: 2 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, _, err := c.ExchangeContext(ctx, q, srv.Addr())
	return resp, err
}

func mustAsk(t *testing.T, srv *dnstest.Server, network, name string) *dns.Msg {
	t.Helper()
	resp, err := ask(t, srv, network, name)
	if err != nil {
		t.Fatalf("%s query %s: %v", network, name, err)
	}
	return resp
}

func txts(m *dns.Msg) [][]string {
	var out [][]string
	for _, rr := range m.Answer {
		if txt, ok := rr.(*dns.TXT); ok {
			out = append(out, txt.Txt)
		}
	}
	return out
}

func TestServer(t *testing.T) {
	t.Parallel()

	t.Run("answers_over_udp_and_tcp_on_one_port", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT("Example.COM", "v")
		for _, network := range []string{"udp", "tcp"} {
			resp := mustAsk(t, srv, network, "example.com")
			if got := txts(resp); len(got) != 1 || got[0][0] != "v" {
				t.Fatalf("%s: records %q", network, got)
			}
		}
		if srv.UDPQueries("EXAMPLE.com.") != 1 || srv.TCPQueries("example.com") != 1 || srv.Queries("example.com") != 2 {
			t.Fatalf("counts udp %d tcp %d total %d", srv.UDPQueries("example.com"), srv.TCPQueries("example.com"), srv.Queries("example.com"))
		}
	})

	t.Run("long_value_split_into_strings", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT("example.com", strings.Repeat("x", 300))
		got := txts(mustAsk(t, srv, "tcp", "example.com"))
		if len(got) != 1 || len(got[0]) != 2 || len(got[0][0]) != 255 || len(got[0][1]) != 45 {
			t.Fatalf("strings %d", len(got))
		}
	})

	t.Run("unknown_name_is_nxdomain_and_delete_forgets", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT("example.com", "v")
		srv.Delete("EXAMPLE.com")
		if rc := mustAsk(t, srv, "udp", "example.com").Rcode; rc != dns.RcodeNameError {
			t.Fatalf("rcode %s, want NXDOMAIN", dns.RcodeToString[rc])
		}
	})

	t.Run("rcode", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetRcode("example.com", dns.RcodeServerFailure)
		resp := mustAsk(t, srv, "udp", "example.com")
		if resp.Rcode != dns.RcodeServerFailure || len(resp.Answer) != 0 {
			t.Fatalf("rcode %s, %d records", dns.RcodeToString[resp.Rcode], len(resp.Answer))
		}
	})

	t.Run("truncate_holds_across_set", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.Truncate("example.com")
		srv.SetTXT("example.com", "v")
		udp := mustAsk(t, srv, "udp", "example.com")
		if !udp.Truncated || len(udp.Answer) != 0 {
			t.Fatalf("UDP answer: TC %v, %d records", udp.Truncated, len(udp.Answer))
		}
		tcp := mustAsk(t, srv, "tcp", "example.com")
		if tcp.Truncated || len(txts(tcp)) != 1 {
			t.Fatalf("TCP answer: TC %v, %d records", tcp.Truncated, len(tcp.Answer))
		}
	})

	t.Run("large_udp_answer_truncated", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT("example.com", strings.Repeat("a", 200), strings.Repeat("b", 200), strings.Repeat("c", 200))
		if udp := mustAsk(t, srv, "udp", "example.com"); !udp.Truncated {
			t.Fatal("a 600-byte answer to a query without EDNS0 is not truncated")
		}
	})

	t.Run("cname_chased_or_bare", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetCNAME("a.example", "b.example")
		srv.SetBareCNAME("c.example", "b.example")
		srv.SetTXT("b.example", "v")
		if n := len(mustAsk(t, srv, "udp", "a.example").Answer); n != 2 {
			t.Fatalf("chased answer holds %d records, want CNAME and TXT", n)
		}
		if n := len(mustAsk(t, srv, "udp", "c.example").Answer); n != 1 {
			t.Fatalf("bare answer holds %d records, want the CNAME alone", n)
		}
	})

	t.Run("timeout_never_answers", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTimeout("example.com")
		q := new(dns.Msg)
		q.SetQuestion("example.com.", dns.TypeTXT)
		for _, network := range []string{"udp", "tcp"} {
			c := dns.Client{Net: network, Timeout: 200 * time.Millisecond}
			if _, _, err := c.Exchange(q, srv.Addr()); err == nil {
				t.Fatalf("%s: answered", network)
			}
		}
		if n := srv.Queries("example.com"); n != 2 {
			t.Fatalf("%d queries counted, want 2", n)
		}
	})

	t.Run("txt_strings_longer_than_255_bytes_panic", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		defer func() {
			if recover() == nil {
				t.Fatal("SetTXTStrings accepted a 256-byte string")
			}
		}()
		srv.SetTXTStrings("example.com", []string{strings.Repeat("x", 256)})
	})

	t.Run("concurrent_use", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Go(func() {
				name := fmt.Sprintf("n%d.example", i%5)
				srv.SetTXT(name, "v")
				if _, err := ask(t, srv, []string{"udp", "tcp"}[i%2], name); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := srv.Queries("n0.example"); n != 4 {
			t.Fatalf("%d queries for n0, want 4", n)
		}
	})
}

func TestListen_Close(t *testing.T) {
	t.Parallel()
	srv, err := dnstest.Listen()
	if err != nil {
		t.Fatal(err)
	}
	srv.SetTXT("example.com", "v")
	if resp := mustAsk(t, srv, "udp", "example.com"); len(resp.Answer) != 1 {
		t.Fatalf("%d records", len(resp.Answer))
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := ask(t, srv, "tcp", "example.com"); err == nil {
		t.Fatal("a closed server answered over TCP")
	}
}
