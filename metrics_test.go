package orgkit_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// contractFamilies are the families of the metrics contract (docs/operations.md), each of
// which a Kit exports from its first scrape.
var contractFamilies = []string{
	"orgkit_build_info", "orgkit_http_requests_total", "orgkit_http_request_duration_seconds",
	"orgkit_db_connections", "orgkit_db_max_open_connections", "orgkit_db_wait_total", "orgkit_db_wait_seconds_total",
	"orgkit_resolve_cache_total", "orgkit_dns_checks_total", "orgkit_ratelimit_decisions_total",
	"orgkit_mail_outbox_backlog", "orgkit_mail_sends_total", "orgkit_webhook_backlog",
	"orgkit_webhook_deliveries_total", "orgkit_webhook_endpoints_disabled_total",
}

// metricsKit is a Kit on SQLite recording into a registry of its own, served over HTTP with
// its API and GET /metrics, as the orgkit binary mounts them.
func metricsKit(t *testing.T, cfg orgkit.Config) (*orgkit.Kit, *httptest.Server) {
	t.Helper()
	if cfg.DB == nil {
		cfg.DB = poolAt(t, gormtest.URL(t, gormstore.SQLite))
	}
	cfg.Auth = orgkit.AuthConfig{HS256Secret: secret}
	cfg.SuperadminEmails = []string{"ops@example.com"}
	cfg.Metrics = orgkit.MetricsConfig{Registerer: prometheus.NewRegistry(), Version: "test-1.2.3"}
	cfg.Domains.Recheck.Disabled = true
	k, err := orgkit.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	k.RegisterOps(r)
	k.Register(r)
	k.RegisterPortal(r)
	r.GET("/metrics", gin.WrapH(k.MetricsHandler()))
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return k, srv
}

// scrape GETs /metrics and parses it as Prometheus' text format.
func scrape(t *testing.T, srv *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// sample is the value of the one series of family with exactly labels (name=value pairs),
// failing the test when there is none: a counter's count, a gauge's value, a histogram's
// sample count.
func sample(t *testing.T, fams map[string]*dto.MetricFamily, family string, labels ...string) float64 {
	t.Helper()
	mf := fams[family]
	if mf == nil {
		t.Fatalf("no family %s", family)
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range mf.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue()
		case m.Gauge != nil:
			return m.GetGauge().GetValue()
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	t.Fatalf("no series %s%v", family, want)
	return 0
}

// expectSeries checks series values: each entry is a family, its labels, and the value.
type series struct {
	family string
	labels []string
	want   float64
}

func expectSeries(t *testing.T, fams map[string]*dto.MetricFamily, ss ...series) {
	t.Helper()
	for _, s := range ss {
		if got := sample(t, fams, s.family, s.labels...); got != s.want {
			t.Errorf("%s%v = %v, want %v", s.family, s.labels, got, s.want)
		}
	}
}

func req(route, method, status string) []string {
	return []string{"route", route, "method", method, "status", status}
}

// Real requests through the Kit's router are counted exactly, by route template, and the
// scrape holds every family of the contract.
func TestMetrics_ScrapeCountsRealRequests(t *testing.T) {
	dns := dnstest.Start(t)
	k, srv := metricsKit(t, orgkit.Config{Domains: orgkit.DomainsConfig{Resolvers: []string{dns.Addr()}, LookupTimeout: time.Second}})
	fams := scrape(t, srv)
	for _, f := range contractFamilies {
		if f == "orgkit_http_requests_total" || f == "orgkit_http_request_duration_seconds" {
			continue // no request was answered yet
		}
		if fams[f] == nil {
			t.Errorf("the first scrape lacks %s", f)
		}
	}

	ops := mint(t, "ops", "ops@example.com")
	status := func(want int, method, path, tok, body string) map[string]any {
		t.Helper()
		code, out := call(t, srv, method, path, tok, body)
		if code != want {
			t.Fatalf("%s %s: %d %v, want %d", method, path, code, out, want)
		}
		return out
	}
	created := status(201, "POST", "/v1/organizations", ops, `{"name":"Acme","slug":"acme"}`)
	orgID := int64(created["data"].(map[string]any)["id"].(float64))
	status(200, "GET", fmt.Sprintf("/v1/organizations/%d", orgID), ops, "")
	status(200, "GET", "/v1/public/organizations/resolve?slug=acme", "", "")   // miss
	status(200, "GET", "/v1/public/organizations/resolve?slug=acme", "", "")   // hit
	status(404, "GET", "/v1/public/organizations/resolve?slug=nobody", "", "") // miss
	status(404, "GET", "/v1/public/organizations/resolve?slug=nobody", "", "") // negative hit
	status(404, "GET", "/no/such/route", "", "")
	portal, err := srv.Client().Get(srv.URL + "/portal/sign-in")
	if err != nil {
		t.Fatal(err)
	}
	portal.Body.Close()

	// Domain checks against the loopback DNS server: one proven, one with a wrong record,
	// the third checked until the limit (20 a minute per caller and organization) refuses.
	ctx, svc := context.Background(), k.Service()
	p, err := svc.SignIn(ctx, domain.Identity{Subject: "ops", Email: "ops@example.com", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for i, name := range []string{"good.example.com", "wrong.example.com", "missing.example.com"} {
		d, err := svc.AddDomain(ctx, p, orgID, app.NewDomain{Name: name, Type: "clinic"})
		if err != nil {
			t.Fatal(err)
		}
		v := svc.VerificationOf(d)
		switch i {
		case 0:
			dns.SetTXT(v.TXTHost, v.TXTValue)
		case 1:
			dns.SetTXT(v.TXTHost, "orgkit-verification=someone-else")
		}
		ids = append(ids, d.ID)
	}
	verify := func(id int64) string { return fmt.Sprintf("/v1/organizations/%d/domains/%d/verify", orgID, id) }
	status(200, "POST", verify(ids[0]), ops, "")
	status(200, "POST", verify(ids[1]), ops, "")
	for range 18 {
		status(200, "POST", verify(ids[2]), ops, "")
	}
	status(429, "POST", verify(ids[2]), ops, "")

	fams = scrape(t, srv)
	for _, f := range contractFamilies {
		if fams[f] == nil {
			t.Errorf("the scrape lacks %s", f)
		}
	}
	const verifyRoute = "/v1/organizations/:id/domains/:domainId/verify"
	expectSeries(t, fams,
		series{"orgkit_http_requests_total", req("/v1/organizations", "POST", "201"), 1},
		series{"orgkit_http_requests_total", req("/v1/organizations/:id", "GET", "200"), 1},
		series{"orgkit_http_requests_total", req("/v1/public/organizations/resolve", "GET", "200"), 2},
		series{"orgkit_http_requests_total", req("/v1/public/organizations/resolve", "GET", "404"), 2},
		series{"orgkit_http_requests_total", req("unmatched", "GET", "404"), 1},
		series{"orgkit_http_requests_total", req("/portal/sign-in", "GET", fmt.Sprint(portal.StatusCode)), 1},
		series{"orgkit_http_requests_total", req(verifyRoute, "POST", "200"), 20},
		series{"orgkit_http_requests_total", req(verifyRoute, "POST", "429"), 1},
		series{"orgkit_http_request_duration_seconds", req(verifyRoute, "POST", "200"), 20},
		series{"orgkit_http_request_duration_seconds", req("unmatched", "GET", "404"), 1},
		series{"orgkit_resolve_cache_total", []string{"result", "hit"}, 1},
		series{"orgkit_resolve_cache_total", []string{"result", "miss"}, 2},
		series{"orgkit_resolve_cache_total", []string{"result", "negative_hit"}, 1},
		series{"orgkit_dns_checks_total", []string{"outcome", "verified"}, 1},
		series{"orgkit_dns_checks_total", []string{"outcome", "value_mismatch"}, 1},
		series{"orgkit_dns_checks_total", []string{"outcome", "record_not_found"}, 18},
		series{"orgkit_dns_checks_total", []string{"outcome", "resolver_error"}, 0},
		series{"orgkit_ratelimit_decisions_total", []string{"limiter", "verify-domain", "decision", "allowed"}, 20},
		series{"orgkit_ratelimit_decisions_total", []string{"limiter", "verify-domain", "decision", "limited"}, 1},
		series{"orgkit_ratelimit_decisions_total", []string{"limiter", "verify-domain", "decision", "error"}, 0},
		series{"orgkit_ratelimit_decisions_total", []string{"limiter", "connect-user", "decision", "allowed"}, 0},
		series{"orgkit_build_info", []string{"version", "test-1.2.3", "go_version", runtime.Version()}, 1},
		series{"orgkit_db_max_open_connections", nil, 4}, // poolAt's pool
		series{"orgkit_mail_outbox_backlog", nil, 0},
		series{"orgkit_webhook_backlog", nil, 0},
	)
	if got := len(fams["orgkit_http_request_duration_seconds"].GetMetric()[0].GetHistogram().GetBucket()); got != 15 {
		t.Errorf("%d latency buckets, want 15 (0.5 ms … 10 s, +Inf)", got)
	}
	inUse, idle := sample(t, fams, "orgkit_db_connections", "state", "in_use"), sample(t, fams, "orgkit_db_connections", "state", "idle")
	if inUse < 0 || idle < 0 || inUse+idle < 1 || inUse+idle > 4 { // the scrape's own backlog count may hold one
		t.Errorf("pool: %v in use, %v idle, of 4", inUse, idle)
	}
	sample(t, fams, "orgkit_db_wait_total")
	sample(t, fams, "orgkit_db_wait_seconds_total")

	// An invitation waits in the outbox while nobody runs Run: the backlog counts it.
	status(201, "POST", fmt.Sprintf("/v1/organizations/%d/invitations", orgID), ops, `{"email":"new@example.com"}`)
	expectSeries(t, scrape(t, srv), series{"orgkit_mail_outbox_backlog", nil, 1})
}

// No label value of any family carries an id, slug, host name, email or path a request
// named, and the number of series does not grow with the number of names asked for.
func TestMetrics_LabelsAreBounded(t *testing.T) {
	k, srv := metricsKit(t, orgkit.Config{})
	ops := mint(t, "ops", "ops@example.com")
	code, created := call(t, srv, "POST", "/v1/organizations", ops, `{"name":"Acme","slug":"acme"}`)
	if code != 201 {
		t.Fatalf("create: %d %v", code, created)
	}
	var seen []string
	round := func(n int) int {
		t.Helper()
		for range n {
			word := strings.ToLower(rand.Text()[:12])
			id := fmt.Sprint(1_000_000 + len(seen))
			email := word + "@example.com"
			seen = append(seen, word, id, email)
			for _, path := range []string{
				"/v1/organizations/" + id,
				"/v1/organizations/slug/" + word,
				"/v1/public/organizations/resolve?slug=" + word,
				"/v1/public/organizations/resolve?host=" + word + ".example.com",
				"/v1/public/organizations/resolve?domain=" + word + ".example.org",
				"/" + word,
			} {
				if code, body := call(t, srv, "GET", path, mint(t, word, email), ""); code < 400 {
					t.Fatalf("%s: %d %v", path, code, body)
				}
			}
			if code, _ := call(t, srv, strings.ToUpper(word[:8]), "/v1/organizations", ops, ""); code < 400 {
				t.Fatalf("method %s: %d", word[:8], code)
			}
		}
		return countSeries(scrape(t, srv))
	}
	first := round(20)
	if second := round(40); second != first {
		t.Errorf("%d series after 20 names, %d after 60: a label carries what requests named", first, second)
	}
	for name, mf := range scrape(t, srv) {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, s := range seen {
					if strings.Contains(strings.ToLower(l.GetValue()), s) {
						t.Errorf("%s{%s=%q} carries %q", name, l.GetName(), l.GetValue(), s)
					}
				}
			}
		}
	}
	_ = k
}

func countSeries(fams map[string]*dto.MetricFamily) int {
	n := 0
	for _, mf := range fams {
		n += len(mf.GetMetric())
	}
	return n
}

// Webhook delivery attempts are counted by outcome (2xx, another answer, no answer), and
// mail sends by outcome, as Run's deliveries make them.
func TestMetrics_WebhookAndMailOutcomes(t *testing.T) {
	smtp := smtptest.Start(t)
	k, srv := metricsKit(t, orgkit.Config{VaultKeys: vaultKeys, Webhooks: orgkit.WebhooksConfig{AllowPrivate: true, Timeout: 2 * time.Second},
		Mail: orgkit.MailConfig{SMTPURL: smtp.URL("", ""), From: "no-reply@example.com"}})
	ctx, svc := context.Background(), k.Service()
	p, err := svc.SignIn(ctx, domain.Identity{Subject: "ops", Email: "ops@example.com", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	org, err := svc.CreateOrganization(ctx, p, domain.NewOrganization{Name: "Acme", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	ok, failing := newReceiver(t), newReceiver(t)
	failing.setFailing(http.StatusInternalServerError)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there: no answer
	eps := map[string]domain.WebhookEndpoint{}
	for name, url := range map[string]string{"success": ok.srv.URL, "failure": failing.srv.URL, "error": closed.URL} {
		eps[name], _ = endpoint(t, k, p, org.ID, url, "organization.updated")
	}
	if _, err := svc.UpdateOrganization(ctx, p, org.ID, domain.OrganizationPatch{Name: domain.Some("Acme Corp")}); err != nil {
		t.Fatal(err)
	}
	if backlog := sample(t, scrape(t, srv), "orgkit_webhook_backlog"); backlog != 3 {
		t.Fatalf("webhook backlog %v, want the 3 deliveries", backlog)
	}
	if _, err := svc.DeliverWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	ok.waitFor(t, 1)

	// One mail is sent, the next one fails (and waits in the outbox for its retry).
	if _, err := svc.CreateInvitation(ctx, p, org.ID, app.NewInvitation{Email: "first@example.com"}); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.DeliverOutbox(ctx); err != nil || n != 1 {
		t.Fatalf("first mail: %d sent, %v", n, err)
	}
	smtp.FailNext(1)
	if _, err := svc.CreateInvitation(ctx, p, org.ID, app.NewInvitation{Email: "second@example.com"}); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.DeliverOutbox(ctx); err != nil || n != 0 {
		t.Fatalf("second mail: %d sent, %v", n, err)
	}
	fams := scrape(t, srv)
	expectSeries(t, fams,
		series{"orgkit_webhook_deliveries_total", []string{"outcome", "success"}, 1},
		series{"orgkit_webhook_deliveries_total", []string{"outcome", "failure"}, 1},
		series{"orgkit_webhook_deliveries_total", []string{"outcome", "error"}, 1},
		series{"orgkit_webhook_endpoints_disabled_total", nil, 0},
		series{"orgkit_webhook_backlog", nil, 2}, // the failed two wait for their retry
		series{"orgkit_mail_sends_total", []string{"outcome", "sent"}, 1},
		series{"orgkit_mail_sends_total", []string{"outcome", "failed"}, 1},
		series{"orgkit_mail_outbox_backlog", nil, 1},
	)
	if got := len(smtp.Messages()); got != 1 {
		t.Fatalf("the SMTP server holds %d mails, want 1", got)
	}
	for name, ep := range eps {
		page, err := svc.ListWebhookDeliveries(ctx, p, org.ID, ep.ID, domain.DeliveryQuery{Page: 1, PageSize: 10})
		if err != nil || len(page.Items) != 1 || page.Items[0].Attempts != 1 {
			t.Fatalf("%s: %+v %v, want one delivery attempted once", name, page.Items, err)
		}
	}
}

// Every orgkit_* family a Kit registers is named in docs/operations.md, the operator's
// reference. The file is written beside this test's branch: until it exists the test is
// skipped, except in CI.
func TestMetrics_FamiliesAreDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("docs", "operations.md"))
	if os.IsNotExist(err) && os.Getenv("CI") != "true" {
		t.Skip("docs/operations.md does not exist yet")
	}
	if err != nil {
		t.Fatal(err)
	}
	_, srv := metricsKit(t, orgkit.Config{})
	if code, _ := call(t, srv, "GET", "/healthz", "", ""); code != 200 { // the request families appear with a request
		t.Fatalf("healthz: %d", code)
	}
	names := slices.Clone(contractFamilies)
	for name := range scrape(t, srv) {
		if strings.HasPrefix(name, "orgkit_") && !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	for _, name := range names {
		if !strings.Contains(string(doc), name) {
			t.Errorf("docs/operations.md does not mention %s", name)
		}
	}
}

// A host serves orgkit's metrics beside its own from its registry, on a path it chooses.
func ExampleMetricsConfig() {
	reg := prometheus.NewRegistry()
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool(),
		Metrics: orgkit.MetricsConfig{Registerer: reg, Version: "v1.4.0"}})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.Default()
	k.Register(r)
	r.GET("/metrics", gin.WrapH(k.MetricsHandler())) // the host's families and orgkit's
}

// With no Registerer the Kit keeps a registry of its own; MetricsHandler serves it, here on
// an internal listener of the host's.
func ExampleKit_MetricsHandler() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", k.MetricsHandler())
	go func() { log.Fatal(http.ListenAndServe("127.0.0.1:9090", mux)) }()
}
