package faulttest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/internal/testproc"
)

// domainSchedule is one domain's row as the re-checks left it.
type domainSchedule struct {
	status, reason string
	last, next     time.Time
}

func readDomain(t *testing.T, dsn, name string) domainSchedule {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var s domainSchedule
	var reason *string
	var last, next *time.Time
	if err := db.QueryRow(ctx, `SELECT status, failure_reason, last_check_at, next_check_at FROM orgkit_domains WHERE domain = $1`, name).
		Scan(&s.status, &reason, &last, &next); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if reason != nil {
		s.reason = *reason
	}
	if last != nil {
		s.last = *last
	}
	if next != nil {
		s.next = *next
	}
	return s
}

// TestFaults_DNSFailures: while the resolver times out or answers SERVFAIL, re-checks leave
// a verified domain verified and a pending one pending, and the pending one's checks back
// off (each gap twice the last), so the resolver is asked a bounded number of times.
func TestFaults_DNSFailures(t *testing.T) {
	t.Parallel()
	pg := testproc.StartPostgres(t)
	resolver := dnstest.Start(t)
	k := startOrgkit(t, "ORGKIT_DATABASE_URL="+pg.DSN, "ORGKIT_DNS_RESOLVERS="+resolver.Addr(),
		"ORGKIT_DOMAIN_RECHECK_PENDING=1s")
	tok := k.token("root", superadmin)
	org := k.call("POST", "/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"})
	expect(t, org, http.StatusCreated, "")
	add := func(name string) (int64, string) {
		r := k.call("POST", fmt.Sprintf("/v1/organizations/%d/domains", org.id()), tok, map[string]any{"domain": name, "domain_type": "clinic"})
		expect(t, r, http.StatusCreated, "")
		v := r.body["verification"].(map[string]any)
		return r.id(), v["txt_host"].(string)
	}
	// The pending domain's resolver fails from the start; the verified one's once verified.
	pendingHost := "_orgkit-verification.pending.example.com"
	resolver.SetRcode(pendingHost, dns.RcodeServerFailure)
	_, host := add("pending.example.com")
	if host != pendingHost {
		t.Fatalf("txt host %q", host)
	}
	verifiedID, verifiedHost := add("verified.example.com")
	r := k.call("GET", fmt.Sprintf("/v1/organizations/%d/domains", org.id()), tok, nil)
	for _, d := range r.body["data"].([]any) {
		if d := d.(map[string]any); d["domain"] == "verified.example.com" {
			resolver.SetTXT(verifiedHost, d["verification_token"].(string))
		}
	}
	verified := k.call("POST", fmt.Sprintf("/v1/organizations/%d/domains/%d/verify", org.id(), verifiedID), tok, nil)
	expect(t, verified, http.StatusOK, "")
	if s := verified.body["data"].(map[string]any)["status"]; s != "verified" {
		t.Fatalf("verify: %v", verified.body)
	}

	t.Run("timeout keeps a verified domain verified", func(t *testing.T) {
		resolver.SetTimeout(verifiedHost)
		before := time.Now()
		out := k.command("domains", "recheck", "--domain", "verified.example.com")
		if !strings.Contains(out, "verified reason=resolver_error") || strings.Contains(out, "changed=") {
			t.Errorf("recheck: %s", out)
		}
		s := readDomain(t, pg.DSN, "verified.example.com")
		if s.status != "verified" || s.reason != "resolver_error" || s.next.Before(before.Add(time.Hour)) {
			t.Errorf("after a timed-out check: %+v (checked at %v)", s, before)
		}
		expect(t, k.call("GET", "/v1/public/organizations/resolve?domain=verified.example.com", "", nil), http.StatusOK, "")
	})

	t.Run("SERVFAIL keeps a pending domain pending and backs off", func(t *testing.T) {
		// A re-check pass every 200ms for 9s, as a busy scheduler would run them: a domain
		// checked every second (its schedule) would be asked about 9 times.
		var gaps []time.Duration
		var last time.Time
		deadline := time.Now().Add(9 * time.Second)
		for time.Now().Before(deadline) {
			k.command("domains", "recheck")
			s := readDomain(t, pg.DSN, "pending.example.com")
			if s.status != "pending" {
				t.Fatalf("a resolver error changed the status: %+v", s)
			}
			if !s.last.IsZero() && !s.last.Equal(last) {
				if s.reason != "resolver_error" {
					t.Fatalf("reason %q", s.reason)
				}
				last = s.last
				gaps = append(gaps, s.next.Sub(s.last))
			}
			time.Sleep(200 * time.Millisecond)
		}
		queries := resolver.Queries(pendingHost)
		t.Logf("%d checks, gaps %v, %d queries", len(gaps), gaps, queries)
		if len(gaps) < 2 || len(gaps) > 5 {
			t.Errorf("%d checks in 9s, want 2 to 5 (1s, 2s, 4s apart at most)", len(gaps))
		}
		for i := 1; i < len(gaps); i++ {
			if gaps[i] < gaps[i-1]*3/2 {
				t.Errorf("gap %d is %v after %v: no back-off", i, gaps[i], gaps[i-1])
			}
		}
		if queries > 2*len(gaps) || queries < len(gaps) {
			t.Errorf("%d queries for %d checks", queries, len(gaps))
		}
	})
}
