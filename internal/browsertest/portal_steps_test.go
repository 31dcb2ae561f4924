package browsertest

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// profileFormPost posts the profile form's own fields from the page with fetch, the name
// set to Forged unless csrf is "keep"; csrf replaces the form's token ("-" drops it). It
// returns the status (303 for the redirect of a success).
func profileFormPost(tb *tab, csrf string) int {
	tb.t.Helper()
	return eval[int](tb, `(async () => {
		const form = document.querySelector('#update-profile');
		const body = new URLSearchParams(new FormData(form));
		const csrf = `+jsString(csrf)+`;
		if (csrf === '-') body.delete('csrf_token');
		else if (csrf !== 'keep') { body.set('csrf_token', csrf); body.set('name', 'Forged'); }
		const r = await fetch(form.action, {method: 'POST', body, redirect: 'manual'});
		return r.type === 'opaqueredirect' ? 303 : r.status; })()`)
}

// forgedPostsRefused: the admin's own browser posting the profile form with a wrong or no
// CSRF token gets 403, and so does a page on another origin posting with the admin's real
// token (the Origin check); the same post with the right token from the portal succeeds.
func (r *portalRun) forgedPostsRefused() {
	a := r.admin
	a.expectPage(a.open(r.orgPath), 200, "profile")
	token := eval[string](a, `document.querySelector('#update-profile input[name=csrf_token]')?.value ?? ''`)
	if token == "" {
		r.t.Fatal("the profile form has no csrf_token field")
	}
	for _, forged := range []string{"wrong-" + token, "-", ""} {
		if status := profileFormPost(a, forged); status != 403 {
			r.t.Errorf("profile post with csrf_token %q: %d, want 403", forged, status)
		}
	}
	if status := profileFormPost(a, "keep"); status != 303 {
		r.t.Fatalf("the profile form's own post: %d, want 303 (the forged posts' 403 would prove nothing)", status)
	}

	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><title>elsewhere</title><main data-page="attacker">
<form method="post" action="%s"><input type="hidden" name="name" value="Forged">
<input type="hidden" name="csrf_token" value="%s"><button type="submit">Win a prize</button></form></main>`,
			html.EscapeString(r.srv.base+r.orgPath+"/profile"), html.EscapeString(token))
	}))
	defer attacker.Close()
	a.expectPage(a.open(attacker.URL), 200, "attacker")
	if status := a.submit(chromedp.Click(chromedp.CSS("main form [type=submit]"))); status != 403 {
		r.t.Errorf("a post from another origin (%s) with the admin's token: %d, want 403", attacker.URL, status)
	}
	a.expectPage(a.open(r.orgPath), 200, "profile")
	if name := a.text("main h1"); name != orgName {
		r.t.Fatalf("after the forged posts the organization is named %q, want %q", name, orgName)
	}
}

// changeRole makes the member an admin on the members page; the member then sees the
// invitation form.
func (r *portalRun) changeRole() {
	a := r.admin
	a.expectPage(a.open(r.orgPath+"/members?q=mia"), 200, "members")
	id := eval[string](a, `[...document.querySelectorAll('form[id^="change-role-"]')]
		.find(f => f.closest('tr, li, article, section, div')?.innerText.includes(`+jsString(memberEmail)+`))?.id ?? ''`)
	if id == "" {
		r.t.Fatalf("no change-role form next to %s:\n%s", memberEmail, a.text("main"))
	}
	a.choose("#"+id+" select[name=role]", "admin")
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#"+id+" [type=submit]"))), 200, "members")
	if role := eval[string](a, `document.querySelector('#`+id+` select[name=role]')?.value ?? ''`); role != "admin" {
		r.t.Fatalf("after the change the member's role shows %q, want admin", role)
	}
	a.expectPage(a.open(r.orgPath+"/members"), 200, "members")
	a.inspect("members", r.weights)
	r.audited["member.role_changed"] = "change role"

	m := r.member
	deadline := time.Now().Add(10 * time.Second) // access caches may hold the old role briefly
	for {
		m.expectPage(m.open(r.orgPath+"/invitations"), 200, "invitations")
		if m.count("#invite-member") == 1 {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatal("the member, now an admin, still sees no invitation form")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

var verifiedStatus = regexp.MustCompile(`(?i)status:\s*verified`)

var uuid = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// verifyDomain adds a domain, checks it before its record exists (refused, the reason in
// words), publishes the TXT record the page shows on the loopback DNS server and checks again.
func (r *portalRun) verifyDomain() {
	a := r.admin
	a.expectPage(a.open(r.orgPath+"/domains"), 200, "domains")
	a.fill("#add-domain input[name=domain]", domainName)
	a.choose("#add-domain [name=domain_type]", "clinic")
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#add-domain [type=submit]"))), 200, "domains")
	txt := a.text("main")
	host := "_orgkit-verification." + domainName
	value := uuid.FindString(txt)
	if !strings.Contains(txt, host) || value == "" {
		r.t.Fatalf("the domains page should show the TXT record (%s and its value):\n%s", host, txt)
	}
	verify := `main form[id^="verify-domain-"] [type=submit]`
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS(verify))), 200, "domains")
	if after := a.text("main"); !strings.Contains(strings.ToLower(after), "no txt record") {
		r.t.Errorf("a check before publishing should say in words that there is no TXT record:\n%s", after)
	}
	r.srv.dns.SetTXT(host, value)
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS(verify))), 200, "domains")
	if after := a.text("main"); !verifiedStatus.MatchString(after) {
		r.t.Errorf("after publishing the record the domain should show status verified:\n%s", after)
	}
	if r.srv.dns.Queries(host) < 2 {
		r.t.Errorf("the verify buttons made %d DNS queries for %s, want 2 or more", r.srv.dns.Queries(host), host)
	}
	a.inspect("domains", r.weights)
	r.audited["domain.created"] = "add domain"
	r.audited["domain.verification_failed"] = "verify before publishing"
	r.audited["domain.verified"] = "verify domain"
}

// revealAPIKey stores a key, which the list never shows, and reveals it after the
// confirmation page that says the reveal is audited.
func (r *portalRun) revealAPIKey() {
	a := r.admin
	a.expectPage(a.open(r.orgPath+"/api-keys"), 200, "api-keys")
	a.fill("#create-api-key input[name=title]", "Payments")
	a.fill("#create-api-key input[name=service]", "stripe")
	a.fill("#create-api-key input[type=password]", apiSecret)
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#create-api-key [type=submit]"))), 200, "api-keys")
	if strings.Contains(a.text("main"), apiSecret) {
		r.t.Fatal("the API key list shows the secret")
	}
	a.inspect("api-keys", r.weights)
	reveal := eval[string](a, `document.querySelector('main a[href$="/reveal"]')?.getAttribute('href') ?? ''`)
	if reveal == "" {
		r.t.Fatalf("no reveal link on the API keys page:\n%s", a.text("main"))
	}
	a.expectPage(a.open(reveal), 200, "api-keys")
	if txt := a.text("main"); !strings.Contains(strings.ToLower(txt), "audit") || strings.Contains(txt, apiSecret) {
		r.t.Fatalf("the reveal confirmation should say it is audited, without the secret:\n%s", txt)
	}
	a.checkAccessible("api-key reveal")
	a.screenshots("api-key-reveal")
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#reveal-api-key [type=submit]"))), 200, "api-keys")
	if !strings.Contains(a.text("main"), apiSecret) {
		r.t.Fatalf("the revealed page does not show the secret:\n%s", a.text("main"))
	}
	r.audited["api_key.created"] = "create API key"
	r.audited["api_keys.revealed"] = "reveal API key"
}

// webhooks adds an endpoint on a loopback receiver (its signing secret shown once), sends it
// the test event, sees the delivery arrive and listed as delivered, and retries it.
func (r *portalRun) webhooks() {
	a, got := r.admin, make(chan string, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, req *http.Request) { got <- req.Header.Get("webhook-id") }))
	defer recv.Close()
	a.expectPage(a.open(r.orgPath+"/webhooks"), 200, "webhooks")
	a.fill("#create-webhook input[name=url]", recv.URL+"/hook")
	a.do(chromedp.Click(chromedp.CSS(`#create-webhook input[value="organization.deleted"]`))) // so only the test event arrives
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#create-webhook [type=submit]"))), 200, "webhooks")
	if secret := a.text("#new-webhook-secret"); !strings.HasPrefix(secret, "whsec_") {
		r.t.Fatalf("no signing secret shown once (%q):\n%s", secret, a.text("main"))
	}
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS(`form[id^="test-webhook-"] [type=submit]`))), 200, "webhooks")
	first, deadline := r.arrives(got), time.Now().Add(30*time.Second)
	for a.open(r.orgPath+"/webhooks") == 200 && a.count(`form[id^="retry-delivery-"]`) == 0 && time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
	}
	if txt := a.text("main"); a.count(`form[id^="retry-delivery-"]`) != 1 || !strings.Contains(txt, "webhook.test") || !strings.Contains(txt, "delivered") {
		r.t.Fatalf("the delivery list should show the test event delivered, with a retry button:\n%s", txt)
	}
	a.inspect("webhooks", r.weights)
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS(`form[id^="retry-delivery-"] [type=submit]`))), 200, "webhooks")
	if again := r.arrives(got); again != first || !strings.HasPrefix(first, "evt_") {
		r.t.Errorf("the retry arrived as %q, want the same webhook-id %q", again, first)
	}
	r.audited["webhook_endpoint.created"] = "add webhook endpoint"
}

// arrives waits for the receiver to get the test event and returns its webhook-id.
func (r *portalRun) arrives(got <-chan string) string {
	select {
	case id := <-got:
		return id
	case <-time.After(30 * time.Second):
		r.t.Fatal("the test event did not arrive at the loopback receiver within 30s")
		return ""
	}
}

// auditShowsEverything finds every step's record on the audit page, newest first, and
// checks the action and actor filters.
func (r *portalRun) auditShowsEverything() {
	a := r.admin
	a.expectPage(a.open(r.orgPath+"/audit"), 200, "audit")
	txt := a.text("main")
	for action, step := range r.audited {
		if !strings.Contains(txt, action) {
			r.t.Errorf("the audit page has no %s (from %q)", action, step)
		}
	}
	if newest, oldest := strings.Index(txt, "api_keys.revealed"), strings.Index(txt, "organization.created"); newest < 0 || oldest < newest {
		r.t.Errorf("the audit page is not newest first (api_keys.revealed at %d, organization.created at %d)", newest, oldest)
	}
	a.inspect("audit", r.weights)

	a.expectPage(a.open(r.orgPath+"/audit?action=member.role_changed"), 200, "audit")
	if txt := a.text("main"); !strings.Contains(txt, "member.role_changed") || strings.Contains(txt, "domain.created") {
		r.t.Errorf("the action filter shows other actions:\n%s", txt)
	}
	a.expectPage(a.open(r.orgPath+"/audit?actor="+memberEmail), 200, "audit")
	if txt := a.text("main"); !strings.Contains(txt, "invitation.accepted") || strings.Contains(txt, "domain.created") {
		r.t.Errorf("the actor filter shows other actors' records:\n%s", txt)
	}
}

// maxAssetBytes is the budget of the portal's scripts and styles, all pages together.
const maxAssetBytes = 100 << 10

// pageWeight downloads every script and stylesheet the pages loaded and checks their total.
func (r *portalRun) pageWeight() {
	total := 0
	for url := range r.weights {
		if !strings.HasPrefix(url, r.srv.base+"/portal/assets/") {
			r.t.Errorf("the portal loads %s, not one of its own assets", url)
			continue
		}
		resp, err := http.Get(url)
		if err != nil {
			r.t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			r.t.Fatalf("%s: %d %v", url, resp.StatusCode, err)
		}
		total += len(body)
	}
	r.t.Logf("portal scripts and styles: %d files, %d bytes", len(r.weights), total)
	if len(r.weights) == 0 || total >= maxAssetBytes {
		r.t.Errorf("portal scripts and styles weigh %d bytes in %d files; want some, under %d", total, len(r.weights), maxAssetBytes)
	}
}
