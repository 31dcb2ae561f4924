package orgkit_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
)

var (
	txtHostRE  = regexp.MustCompile(`id="txt-host-(\d+)">([^<]+)<`)
	txtValueRE = regexp.MustCompile(`id="txt-value-\d+">([^<]+)<`)
	statusRE   = regexp.MustCompile(`data-status="(\w+)"`)
)

// A domain is added, fails its first check with the reason in words, and is verified once
// its TXT record is published on the loopback DNS server; the history shows both checks.
func TestPortal_Domains(t *testing.T) {
	dns := dnstest.Start(t)
	k, srv := portalKit(t, func(c *orgkit.Config) {
		c.Domains.Resolvers, c.Domains.LookupTimeout = []string{dns.Addr()}, time.Second
	})
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Acme", "acme")
	org := fmt.Sprintf("/portal/organizations/%d", id)

	wantRedirect(t, root.post(org+"/domains", url.Values{"domain": {"app.acme.test"}, "domain_type": {"portal"}}), org+"/domains")
	pg := root.post(org+"/domains", url.Values{"domain": {"app.acme.test"}, "domain_type": {"portal"}})
	wantPage(t, pg, http.StatusConflict, "domains")
	if alertOf(pg) == "" {
		t.Fatal("no alert for a domain added twice")
	}
	pg = root.get(org + "/domains")
	wantPage(t, pg, http.StatusOK, "domains")
	host, value := txtHostRE.FindStringSubmatch(pg.body), txtValueRE.FindStringSubmatch(pg.body)
	if host == nil || value == nil || !strings.Contains(pg.body, `data-copy="txt-value-`) {
		t.Fatalf("no TXT record with copy buttons:\n%s", pg.body)
	}
	verify := fmt.Sprintf("%s/domains/%s/verify", org, host[1])
	wantRedirect(t, root.post(verify, nil), org+"/domains")
	pg = root.get(org + "/domains")
	if s := statusRE.FindStringSubmatch(pg.body); s == nil || s[1] == "verified" || !strings.Contains(pg.body, "No TXT record was found") {
		t.Fatalf("want a failed check explained in words:\n%s", pg.body)
	}
	dns.SetTXT(html.UnescapeString(host[2]), html.UnescapeString(value[1]))
	wantRedirect(t, root.post(verify, nil), org+"/domains")
	pg = root.get(org + "/domains")
	if s := statusRE.FindStringSubmatch(pg.body); s == nil || s[1] != "verified" {
		t.Fatalf("not verified:\n%s", pg.body)
	}
	if !strings.Contains(pg.body, ": verified</li>") || !strings.Contains(pg.body, ": check failed</li>") {
		t.Fatalf("no check history:\n%s", pg.body)
	}
	wantRedirect(t, root.post(fmt.Sprintf("%s/domains/%s/delete", org, host[1]), nil), org+"/domains")
	got := auditActions(t, k, id)
	for _, want := range []string{"domain.created", "domain.verification_failed", "domain.verified", "domain.deleted"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log %v lacks %s", got, want)
		}
	}
}

var revealLinkRE = regexp.MustCompile(`href="(/portal/organizations/\d+/api-keys/(\d+)/reveal)"`)

func TestPortal_APIKeys(t *testing.T) {
	k, srv := portalKit(t)
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Acme", "acme")
	org := fmt.Sprintf("/portal/organizations/%d", id)

	wantRedirect(t, root.post(org+"/api-keys", url.Values{"title": {"Stripe"}, "service": {"stripe"}, "api_key": {"sk_live_secret_1234"}}), org+"/api-keys")
	pg := root.post(org+"/api-keys", url.Values{"title": {""}, "service": {"stripe"}, "api_key": {"x"}})
	wantPage(t, pg, http.StatusBadRequest, "api-keys")
	if alertOf(pg) == "" {
		t.Fatal("no alert")
	}
	pg = root.get(org + "/api-keys")
	wantPage(t, pg, http.StatusOK, "api-keys")
	if strings.Contains(pg.body, "sk_live_secret_1234") || !strings.Contains(pg.body, "…1234") {
		t.Fatalf("the list must show only the last four characters:\n%s", pg.body)
	}
	link := revealLinkRE.FindStringSubmatch(pg.body)
	if link == nil {
		t.Fatalf("no reveal link:\n%s", pg.body)
	}
	pg = root.get(link[1])
	wantPage(t, pg, http.StatusOK, "api-keys")
	if !strings.Contains(pg.body, `id="reveal-api-key"`) || !strings.Contains(pg.body, "audited") || strings.Contains(pg.body, "sk_live_secret_1234") {
		t.Fatalf("the confirmation must say the reveal is audited and show no secret:\n%s", pg.body)
	}
	if slices.Contains(auditActions(t, k, id), "api_keys.revealed") {
		t.Fatal("asking for confirmation revealed")
	}
	pg = root.post(link[1], nil)
	wantPage(t, pg, http.StatusOK, "api-keys")
	if !strings.Contains(pg.body, `id="revealed-secret">sk_live_secret_1234<`) || pg.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("secret not shown once (Cache-Control %q):\n%s", pg.header.Get("Cache-Control"), pg.body)
	}
	rotate := fmt.Sprintf("%s/api-keys/%s/rotate", org, link[2])
	wantRedirect(t, root.post(rotate, url.Values{"api_key": {"sk_live_secret_9876"}}), org+"/api-keys")
	if !strings.Contains(root.get(org+"/api-keys").body, "…9876") {
		t.Fatal("not rotated")
	}
	wantRedirect(t, root.post(fmt.Sprintf("%s/api-keys/%s/delete", org, link[2]), nil), org+"/api-keys")
	got := auditActions(t, k, id)
	for _, want := range []string{"api_key.created", "api_keys.revealed", "api_key.updated", "api_key.deleted"} {
		if !slices.Contains(got, want) {
			t.Errorf("audit log %v lacks %s", got, want)
		}
	}
}

var auditRowRE = regexp.MustCompile(`<tr data-action="([^"]+)">`)

func TestPortal_Audit(t *testing.T) {
	_, srv := portalKit(t)
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Acme", "acme")
	org := fmt.Sprintf("/portal/organizations/%d", id)
	wantRedirect(t, root.post(org+"/profile", url.Values{"name": {"Acme 2"}}), org)
	wantRedirect(t, root.post(org+"/api-keys", url.Values{"title": {"T"}, "service": {"s"}, "api_key": {"secret"}}), org+"/api-keys")

	rows := func(query string) []string {
		t.Helper()
		pg := root.get(org + "/audit" + query)
		wantPage(t, pg, http.StatusOK, "audit")
		var out []string
		for _, m := range auditRowRE.FindAllStringSubmatch(pg.body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	if got := rows(""); !slices.Equal(got, []string{"api_key.created", "organization.updated", "organization.created"}) {
		t.Fatalf("newest first: %v", got)
	}
	if got := rows("?action=organization.updated"); !slices.Equal(got, []string{"organization.updated"}) {
		t.Fatalf("by action: %v", got)
	}
	if got := rows("?actor=" + url.QueryEscape(portalRoot)); len(got) != 3 {
		t.Fatalf("by actor: %v", got)
	}
	if got := rows("?actor=nobody%40example.com"); len(got) != 0 {
		t.Fatalf("by another actor: %v", got)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if got := rows("?from=" + today + "&to=" + today); len(got) != 3 {
		t.Fatalf("today: %v", got)
	}
	if got := rows("?to=2000-01-01"); len(got) != 0 {
		t.Fatalf("before 2000: %v", got)
	}
	pg := root.get(org + "/audit?from=yesterday")
	if a := alertOf(pg); !strings.Contains(a, "from") {
		t.Fatalf("alert %q", a)
	}
}

func TestPortal_Webhooks(t *testing.T) {
	var mu sync.Mutex
	var received []string // webhook-id and body of each request
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		mu.Lock()
		received = append(received, r.Header.Get("webhook-id")+" "+string(b))
		mu.Unlock()
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	got := func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(received) }
	k, srv := portalKit(t)
	deliver := func() {
		t.Helper()
		if _, err := k.Service().DeliverWebhooks(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Acme", "acme")
	org := fmt.Sprintf("/portal/organizations/%d", id)

	pg := root.post(org+"/webhooks", url.Values{"url": {receiver.URL + "/hook"}, "description": {"CRM"}, "event_types": {"organization.updated"}})
	wantPage(t, pg, http.StatusOK, "webhooks")
	if !strings.Contains(pg.body, `id="new-webhook-secret">whsec_`) {
		t.Fatalf("no secret shown once:\n%s", pg.body)
	}
	if pg := root.get(org + "/webhooks"); strings.Contains(pg.body, "whsec_") || strings.Contains(pg.body, "new-webhook-secret") {
		t.Fatalf("the secret is shown again:\n%s", pg.body)
	}
	pg = root.post(org+"/webhooks", url.Values{"url": {"ftp://nope"}})
	wantPage(t, pg, http.StatusBadRequest, "webhooks")
	if alertOf(pg) == "" {
		t.Fatal("no alert")
	}

	// The test button queues a webhook.test event for this endpoint; it arrives, is listed
	// as delivered, and its retry sends it again with the same webhook-id.
	test := regexp.MustCompile(`<form id="test-webhook-(\d+)" method="post" action="(` + regexp.QuoteMeta(org) + `/webhooks/\d+/test)"`).FindStringSubmatch(root.get(org + "/webhooks").body)
	if test == nil {
		t.Fatal("no test button")
	}
	wantRedirect(t, root.post(test[2], nil), org+"/webhooks")
	deliver()
	if r := got(); len(r) != 1 || !strings.Contains(r[0], `"type":"webhook.test"`) {
		t.Fatalf("the receiver got %q", r)
	}
	pg = root.get(org + "/webhooks")
	retry := regexp.MustCompile(`action="(` + regexp.QuoteMeta(org) + `/webhooks/(\d+)/deliveries/\d+/retry)"`).FindStringSubmatch(pg.body)
	if retry == nil || !strings.Contains(pg.body, "<code>webhook.test</code></td><td>delivered</td>") || !strings.Contains(pg.body, "HTTP 204") {
		t.Fatalf("no delivered test delivery with a retry button:\n%s", pg.body)
	}
	wantRedirect(t, root.post(retry[1], nil), org+"/webhooks")
	if !strings.Contains(root.get(org+"/webhooks").body, "<td>pending</td>") {
		t.Fatal("the retried delivery is not pending")
	}
	deliver()
	if r := got(); len(r) != 2 || r[1] != r[0] {
		t.Fatalf("the retry did not send the same delivery again: %q", r)
	}

	// A subscribed event is delivered too.
	wantRedirect(t, root.post(org+"/profile", url.Values{"name": {"Acme 2"}}), org)
	deliver()
	if r := got(); len(r) != 3 || !strings.Contains(r[2], `"type":"organization.updated"`) {
		t.Fatalf("the receiver got %q", r)
	}
	if !strings.Contains(root.get(org+"/webhooks").body, "<code>organization.updated</code></td><td>delivered</td>") {
		t.Fatal("the organization.updated delivery is not listed as delivered")
	}

	// Someone who may not manage webhooks cannot send a test event.
	eve := signedIn(t, srv, "eve@example.com")
	wantPage(t, eve.post(test[2], nil), http.StatusForbidden, "error")
	wantPage(t, eve.post(fmt.Sprintf("%s/webhooks/%d/test", org, 999999), nil), http.StatusForbidden, "error")
	wantPage(t, root.post(fmt.Sprintf("%s/webhooks/%d/test", org, 999999), nil), http.StatusNotFound, "webhooks")

	wantRedirect(t, root.post(fmt.Sprintf("%s/webhooks/%s/delete", org, test[1]), nil), org+"/webhooks")
	audit := auditActions(t, k, id)
	for _, want := range []string{"webhook_endpoint.created", "webhook_endpoint.deleted"} {
		if !slices.Contains(audit, want) {
			t.Errorf("audit log %v lacks %s", audit, want)
		}
	}
}
