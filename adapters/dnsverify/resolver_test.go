package dnsverify_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/dnsverify"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/ports"
)

// resolver returns a Resolver asking servers in order, each attempt bounded by timeout.
func resolver(t *testing.T, timeout time.Duration, servers ...string) *dnsverify.Resolver {
	t.Helper()
	r, err := dnsverify.New(dnsverify.Config{Resolvers: servers, Timeout: timeout})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// lookup runs LookupTXT with a generous deadline, so a hang fails the test instead of
// stalling it.
func lookup(t *testing.T, r *dnsverify.Resolver, name string) ([]string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return r.LookupTXT(ctx, name)
}

func wantRecords(t *testing.T, got []string, err error, want ...string) {
	t.Helper()
	if err != nil {
		t.Fatalf("LookupTXT: %v", err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("records %q, want %q", got, want)
	}
}

func TestResolver_LookupTXT(t *testing.T) {
	t.Parallel()
	const name = "_orgkit-verification.example.com"

	t.Run("match", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT(name, "orgkit-verify=abc123")
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "orgkit-verify=abc123")
		if n := srv.UDPQueries(name); n != 1 {
			t.Fatalf("%d UDP queries, want 1", n)
		}
	})

	t.Run("name_case_and_trailing_dot", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT(name, "v")
		got, err := lookup(t, resolver(t, 0, srv.Addr()), strings.ToUpper(name)+".")
		wantRecords(t, got, err, "v")
	})

	t.Run("several_records", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT(name, "v=spf1 -all", "orgkit-verify=abc123", "orgkit-verify=old")
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "v=spf1 -all", "orgkit-verify=abc123", "orgkit-verify=old")
	})

	t.Run("record_split_into_strings_is_joined", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXTStrings(name, []string{"orgkit-verify=", "abc", "123"}, []string{"other"})
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "orgkit-verify=abc123", "other")
	})

	t.Run("value_longer_than_255_bytes", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		long := strings.Repeat("k", 600)
		srv.SetTXT(name, long)
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, long)
	})

	t.Run("raw_bytes_survive", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		raw := "quote\" backslash\\ tab\t é \\065"
		srv.SetTXT(name, raw)
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, raw)
	})

	t.Run("cname_within_one_answer", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetCNAME(name, "hop.example.net")
		srv.SetCNAME("hop.example.net", "verify.provider.example")
		srv.SetTXT("verify.provider.example", "orgkit-verify=abc123")
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "orgkit-verify=abc123")
		if n := srv.Queries("verify.provider.example"); n != 0 {
			t.Fatalf("target queried %d times; the answer already held its records", n)
		}
	})

	t.Run("cname_only_answer_queries_the_target", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetBareCNAME(name, "verify.provider.example")
		srv.SetTXT("verify.provider.example", "orgkit-verify=abc123")
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "orgkit-verify=abc123")
		if n := srv.Queries("verify.provider.example"); n != 1 {
			t.Fatalf("target queried %d times, want 1", n)
		}
	})

	t.Run("cname_chain_of_8_links", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		chain(srv, name, 8)
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "end")
	})

	t.Run("truncated_answer_retried_over_tcp", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetTXT(name, "orgkit-verify=abc123")
		srv.Truncate(name)
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, "orgkit-verify=abc123")
		if udp, tcp := srv.UDPQueries(name), srv.TCPQueries(name); udp != 1 || tcp != 1 {
			t.Fatalf("%d UDP and %d TCP queries, want 1 and 1", udp, tcp)
		}
	})

	t.Run("answer_too_large_for_udp", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		var values []string
		for i := range 10 {
			values = append(values, strings.Repeat(string(rune('a'+i)), 200))
		}
		srv.SetTXT(name, values...)
		got, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		wantRecords(t, got, err, values...)
		if n := srv.TCPQueries(name); n != 1 {
			t.Fatalf("%d TCP queries, want 1", n)
		}
	})

	t.Run("nxdomain", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		_, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		if !errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want ErrNoTXTRecords", err)
		}
	})

	t.Run("noerror_without_txt", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetRcode(name, 0)
		_, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		if !errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want ErrNoTXTRecords", err)
		}
	})

	t.Run("cname_to_missing_name", func(t *testing.T) {
		t.Parallel()
		srv := dnstest.Start(t)
		srv.SetCNAME(name, "gone.example.net")
		_, err := lookup(t, resolver(t, 0, srv.Addr()), name)
		if !errors.Is(err, ports.ErrNoTXTRecords) {
			t.Fatalf("error %v, want ErrNoTXTRecords", err)
		}
		if n := srv.Queries("gone.example.net"); n != 0 {
			t.Fatalf("NXDOMAIN target queried %d times", n)
		}
	})
}

func TestResolver_LookupTXT_cnameChainErrors(t *testing.T) {
	t.Parallel()
	const name = "_orgkit-verification.example.com"
	for _, tc := range []struct {
		name  string
		stage func(*dnstest.Server)
	}{
		{"loop_across_queries", func(s *dnstest.Server) {
			s.SetBareCNAME(name, "a.example.net")
			s.SetBareCNAME("a.example.net", name)
		}},
		{"loop_within_one_answer", func(s *dnstest.Server) {
			s.SetCNAME(name, "a.example.net")
			s.SetCNAME("a.example.net", "b.example.net")
			s.SetCNAME("b.example.net", "A.example.net")
		}},
		{"longer_than_8_links", func(s *dnstest.Server) { chain(s, name, 9) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := dnstest.Start(t)
			tc.stage(srv)
			_, err := lookup(t, resolver(t, 0, srv.Addr()), name)
			if !errors.Is(err, dnsverify.ErrCNAMEChain) || errors.Is(err, ports.ErrNoTXTRecords) {
				t.Fatalf("error %v, want ErrCNAMEChain", err)
			}
		})
	}
}

func TestResolver_LookupTXT_invalidName(t *testing.T) {
	t.Parallel()
	srv := dnstest.Start(t)
	r := resolver(t, 0, srv.Addr())
	for _, name := range []string{"", ".", "a..b", strings.Repeat("x", 64) + ".example.com"} {
		if _, err := lookup(t, r, name); err == nil || errors.Is(err, ports.ErrNoTXTRecords) {
			t.Errorf("LookupTXT(%q): error %v, want an invalid-name error", name, err)
		}
	}
}

// chain stages name -> l1 -> ... -> l<links> as bare CNAMEs, the last name holding TXT "end".
func chain(s *dnstest.Server, name string, links int) {
	from := name
	for i := 1; i <= links; i++ {
		to := "l" + strings.Repeat("x", i) + ".example.net"
		s.SetBareCNAME(from, to)
		from = to
	}
	s.SetTXT(from, "end")
}
