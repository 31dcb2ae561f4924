package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/orgkit/orgkit/adapters/metrics"
	"github.com/orgkit/orgkit/ports"
)

func newMetrics(t testing.TB) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg, metrics.Options{Version: "v1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	return m, reg
}

// A request allocates nothing once its series exist: the hot paths stay as they were.
func TestHTTPRequest_AllocatesNothing(t *testing.T) {
	m, _ := newMetrics(t)
	m.HTTPRequest("/v1/organizations/:id", "GET", 200, time.Millisecond)
	if n := testing.AllocsPerRun(1000, func() {
		m.HTTPRequest("/v1/organizations/:id", "GET", 200, time.Millisecond)
	}); n != 0 {
		t.Fatalf("%v allocations per request", n)
	}
}

// Methods, statuses and unmatched routes come from fixed sets, whatever a client sends.
func TestHTTPRequest_BoundsLabels(t *testing.T) {
	m, reg := newMetrics(t)
	for i := range 50 {
		m.HTTPRequest("", strings.Repeat("X", i+1), 404, time.Millisecond)
		m.HTTPRequest("/healthz", "GET", 1000+i, time.Millisecond)
	}
	want := `
# HELP orgkit_http_requests_total HTTP requests by route template ("unmatched": no route), method and status code.
# TYPE orgkit_http_requests_total counter
orgkit_http_requests_total{method="GET",route="/healthz",status="other"} 50
orgkit_http_requests_total{method="other",route="unmatched",status="404"} 50
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "orgkit_http_requests_total"); err != nil {
		t.Fatal(err)
	}
}

// Counters of fixed label sets exist at 0 before anything happened; unknown values are
// dropped rather than becoming series.
func TestNew_MakesEverySeriesUpFront(t *testing.T) {
	m, reg := newMetrics(t)
	m.RateLimit("someone@example.com", ports.RateAllowed)
	m.ResolveCache("acme")
	m.RateLimit(ports.LimitVerifyDomain, ports.RateLimited)
	n, err := testutil.GatherAndCount(reg, "orgkit_ratelimit_decisions_total", "orgkit_resolve_cache_total", "orgkit_dns_checks_total",
		"orgkit_mail_sends_total", "orgkit_webhook_deliveries_total", "orgkit_webhook_endpoints_disabled_total", "orgkit_build_info")
	if err != nil {
		t.Fatal(err)
	}
	want := len(ports.RateLimitClasses)*len(ports.RateDecisions) + len(ports.CacheResults) + len(ports.DNSOutcomes) +
		len(ports.MailOutcomes) + len(ports.DeliveryOutcomes) + 2
	if n != want {
		t.Fatalf("%d series, want %d", n, want)
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP orgkit_ratelimit_decisions_total Rate limiter decisions by limit class: allowed, limited, or error (the limiter's store failed: 503, fail closed).
# TYPE orgkit_ratelimit_decisions_total counter
`+rateLines(ports.LimitVerifyDomain, ports.RateLimited)), "orgkit_ratelimit_decisions_total"); err != nil {
		t.Fatal(err)
	}
}

// rateLines is every rate-limit series at 0 but one at 1.
func rateLines(limiter string, d ports.RateDecision) string {
	var b strings.Builder
	for _, l := range ports.RateLimitClasses {
		for _, dec := range ports.RateDecisions {
			v := "0"
			if l == limiter && dec == d {
				v = "1"
			}
			b.WriteString(`orgkit_ratelimit_decisions_total{decision="` + string(dec) + `",limiter="` + l + `"} ` + v + "\n")
		}
	}
	return b.String()
}

// A second New on one registry fails and leaves the registry as the first left it.
func TestNew_TwiceOnOneRegistry(t *testing.T) {
	_, reg := newMetrics(t)
	before, err := testutil.GatherAndCount(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := metrics.New(reg, metrics.Options{}); err == nil {
		t.Fatal("a second New on one registry succeeded")
	}
	if after, err := testutil.GatherAndCount(reg); err != nil || after != before {
		t.Fatalf("%d series after, %d before: %v", after, before, err)
	}
}

func BenchmarkHTTPRequest(b *testing.B) {
	m, _ := newMetrics(b)
	b.ReportAllocs()
	for b.Loop() {
		m.HTTPRequest("/v1/public/organizations/resolve", "GET", 200, time.Millisecond)
	}
}
