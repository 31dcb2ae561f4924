package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

const resolvePath = "/v1/public/organizations/resolve"

var strongETag = regexp.MustCompile(`^"[0-9a-f]{16}"$`)

// resolve asks the public resolve endpoint, without a token, with one query parameter.
func (h *harness) resolve(param, value string, headers ...string) response {
	h.t.Helper()
	return h.do("GET", resolvePath+"?"+url.Values{param: {value}}.Encode(), "", nil, headers...)
}

// publicJSON is what resolve must answer for an organization, as encoding/json writes it.
func publicJSON(t testing.TB, id int64, name, slug string, logo, icon, lang any) string {
	t.Helper()
	raw, err := json.Marshal(map[string]any{"data": map[string]any{
		"id": id, "name": name, "slug": slug, "logo_url": logo, "icon_url": icon, "language_code": lang}})
	if err != nil {
		t.Fatal(err)
	}
	// json.Marshal sorts map keys; the answer keeps the documented order.
	var order = []string{"id", "name", "slug", "logo_url", "icon_url", "language_code"}
	var b strings.Builder
	b.WriteString(`{"data":{`)
	var m map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for i, k := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, m["data"][k])
	}
	b.WriteString("}}")
	return b.String()
}

// expectResolved fails unless r is a cacheable 200 whose body is exactly want.
func expectResolved(t testing.TB, r response, want string) {
	t.Helper()
	if r.Status != 200 || string(r.Raw) != want {
		t.Fatalf("got %d %s\nwant 200 %s", r.Status, r.Raw, want)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control %q", cc)
	}
	if !strongETag.MatchString(r.Header.Get("ETag")) {
		t.Errorf("ETag %q", r.Header.Get("ETag"))
	}
	if keys(r.data()) != "icon_url id language_code logo_url name slug" || keys(r.Body) != "data" {
		t.Errorf("keys: %s", r.Raw)
	}
}

// expectNotResolved fails unless r is resolve's one 404, and returns its body.
func expectNotResolved(t testing.TB, r response) string {
	t.Helper()
	expect(t, r, 404, "organization_not_found")
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("404 Cache-Control %q", cc)
	}
	if r.Header.Get("ETag") != "" {
		t.Errorf("404 has an ETag")
	}
	return string(r.Raw)
}

func TestResolve_BySlugDomainAndHost(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("acme")
		expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, map[string]any{
			"logo_url": "https://cdn.example.com/acme.png?a=1&b=<2>", "language_code": "en"}), 200, "")
		want := publicJSON(t, orgID, "Org acme", "acme", "https://cdn.example.com/acme.png?a=1&b=<2>", nil, "en")

		expectResolved(t, h.resolve("slug", "acme"), want)
		expectResolved(t, h.resolve("slug", "ACME"), want)
		expectResolved(t, h.resolve("host", "acme.orgkit.test:8080"), want)
		expectResolved(t, h.resolve("host", "Acme.OrgKit.Test."), want)

		// A custom domain resolves once verified, by domain and by host.
		domainID, token := h.addDomain(orgID, rootEmail, "clinic.example.com")
		expectNotResolved(t, h.resolve("domain", "clinic.example.com"))
		h.dns.SetTXT(txtHost("clinic.example.com"), token)
		expect(t, h.do("POST", verifyPath(orgID, domainID), rootEmail, nil), 200, "")
		for _, c := range []struct{ param, value string }{
			{"domain", "clinic.example.com"}, {"domain", " Clinic.Example.COM. "}, {"host", "clinic.example.com"},
			{"host", "CLINIC.example.com:443"},
		} {
			expectResolved(t, h.resolve(c.param, c.value), want)
		}
		// Internationalized names resolve in either form.
		idnID, idnToken := h.addDomain(orgID, rootEmail, "bücher.example")
		h.dns.SetTXT(txtHost("xn--bcher-kva.example"), idnToken)
		expect(t, h.do("POST", verifyPath(orgID, idnID), rootEmail, nil), 200, "")
		expectResolved(t, h.resolve("domain", "Bücher.example"), want)
		expectResolved(t, h.resolve("domain", "xn--bcher-kva.example"), want)
		expectResolved(t, h.resolve("host", "bücher.example:8443"), want)

		// Bearer tokens are neither needed nor checked.
		r := h.doToken("GET", resolvePath+"?slug=acme", "not-a-token", nil)
		expectResolved(t, r, want)
	})
}

func TestResolve_Escaping(t *testing.T) {
	h := sqlite(t)
	name := "Café <b>&amp;</b> \"Q\" \\ \u2028 😀"
	r := h.do("POST", "/v1/organizations", rootEmail, map[string]any{"name": name, "slug": "escaped",
		"icon_url": "https://x.example/i.png?q=\"<>&\"", "language_code": "fr"})
	expect(t, r, 201, "")
	want := publicJSON(t, id(r.data()["id"]), name, "escaped", nil, "https://x.example/i.png?q=\"<>&\"", "fr")
	got := h.resolve("slug", "escaped")
	expectResolved(t, got, want)
	if got.data()["name"] != name {
		t.Errorf("name round trip: %q", got.data()["name"])
	}
}

func TestResolve_BadQuery(t *testing.T) {
	h := sqlite(t)
	h.createOrg("acme")
	for _, c := range []struct{ query, fields string }{
		{"", "[slug domain host]"},
		{"?page=1", "[slug domain host]"},
		{"?slug=acme&domain=clinic.example.com", "[slug domain]"},
		{"?slug=acme&host=acme.orgkit.test", "[slug host]"},
		{"?slug=acme&domain=a.example.com&host=acme.orgkit.test", "[slug domain host]"},
		{"?slug=", "[slug]"},
		{"?domain=", "[domain]"},
		{"?slug=acme&slug=acme", "[slug]"},
		{"?slug=acme&domain=", "[slug domain]"},
		{"?slug=&slug=", "[slug]"},
		{"?Slug=acme", "[slug domain host]"},
		{"?slug;x=acme", "[slug domain host]"},
		{"?slug=ac%00me", "[slug]"},
		{"?host=%ff", "[host]"},
	} {
		r := h.do("GET", resolvePath+c.query, "", nil)
		expect(t, r, 400, "validation_error")
		if got := fmt.Sprint(r.fields()); got != c.fields {
			t.Errorf("%q: fields %s, want %s", c.query, got, c.fields)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%q: Cache-Control %q", c.query, r.Header.Get("Cache-Control"))
		}
	}
	// Other parameters (cache busters) are ignored.
	expect(t, h.do("GET", resolvePath+"?slug=acme&_=12345", "", nil), 200, "")
	expect(t, h.do("POST", resolvePath+"?slug=acme", "", nil), 405, "method_not_allowed")
}

// TestResolve_NotFoundIsOneAnswer: whatever the reason nothing resolves, the 404 is the same
// bytes, so the answer tells nothing about what exists.
func TestResolve_NotFoundIsOneAnswer(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		suspended, archived := h.createOrg("sleepy"), h.createOrg("dusty")
		active := h.createOrg("acme")
		h.verifiedDomain(suspended, "sleepy.example.com")
		expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", suspended), rootEmail, map[string]any{"status": "suspended"}), 200, "")
		expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", archived), rootEmail, map[string]any{"status": "archived"}), 200, "")
		h.addDomain(active, rootEmail, "pending.example.com")
		failedID, _ := h.addDomain(active, rootEmail, "failed.example.com")
		h.dns.SetTXT(txtHost("failed.example.com"), "wrong")
		expect(t, h.do("POST", verifyPath(active, failedID), rootEmail, nil), 200, "")
		h.addDomain(active, rootEmail, "broken.example.com")
		h.dns.SetRcode(txtHost("broken.example.com"), dns.RcodeServerFailure)
		deletedID := h.verifiedDomain(active, "deleted.example.com")
		expect(t, h.do("DELETE", domainPath(active, deletedID), rootEmail, nil), 204, "")
		h.verifiedDomain(active, "live.example.com") // the control: this one resolves

		var first string
		for _, c := range []struct{ param, value string }{
			{"slug", "nobody"}, {"slug", "a"}, {"slug", "-bad-"}, {"slug", strings.Repeat("x", 200)},
			{"slug", "sleepy"}, {"slug", "dusty"}, {"domain", "sleepy.example.com"},
			{"domain", "pending.example.com"}, {"domain", "failed.example.com"}, {"domain", "broken.example.com"},
			{"domain", "deleted.example.com"}, {"domain", "unknown.example.com"}, {"domain", "localhost"},
			{"domain", "10.0.0.1"}, {"domain", "*.example.com"}, {"domain", "acme.orgkit.test"},
			{"host", "orgkit.test"}, {"host", "a.b.orgkit.test"}, {"host", "sleepy.orgkit.test"}, {"host", "nobody.orgkit.test:80"},
			{"host", "deleted.example.com"}, {"host", "[::1]:8080"}, {"host", "127.0.0.1"},
		} {
			r := h.resolve(c.param, c.value)
			body := expectNotResolved(t, r)
			if first == "" {
				first = body
			} else if body != first {
				t.Errorf("%s=%s: 404 body %s differs from %s", c.param, c.value, body, first)
			}
		}
		if first != `{"error":{"code":"organization_not_found","message":"organization not found"}}` {
			t.Errorf("404 body %s", first)
		}
		expect(t, h.resolve("slug", "acme"), 200, "")
		expect(t, h.resolve("domain", "live.example.com"), 200, "")
	})
}

func TestResolve_ETag(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	first := h.resolve("slug", "acme")
	expect(t, first, 200, "")
	tag := first.Header.Get("ETag")
	if again := h.resolve("host", "acme.orgkit.test"); again.Header.Get("ETag") != tag || string(again.Raw) != string(first.Raw) {
		t.Fatalf("same body, another ETag: %q %q", again.Header.Get("ETag"), tag)
	}
	for _, inm := range []string{tag, "W/" + tag, `"0000000000000000", ` + tag, ` W/"x" ,` + tag + ` `, "*"} {
		r := h.resolve("slug", "acme", "If-None-Match", inm)
		if r.Status != 304 || len(r.Raw) != 0 || r.Header.Get("ETag") != tag || r.Header.Get("Cache-Control") != "public, max-age=60" {
			t.Errorf("If-None-Match %s: %d %v %q", inm, r.Status, r.Header, r.Raw)
		}
	}
	for _, inm := range []string{`"0000000000000000"`, strings.Trim(tag, `"`), tag + "x", "W/", ""} {
		r := h.resolve("slug", "acme", "If-None-Match", inm)
		expectResolved(t, r, string(first.Raw))
	}
	// Nothing matches a 404, not even *.
	expectNotResolved(t, h.resolve("slug", "nobody", "If-None-Match", "*"))
	// A change makes a new ETag; the old one no longer matches.
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, map[string]any{"name": "Acme Two"}), 200, "")
	r := h.resolve("slug", "acme", "If-None-Match", tag)
	expectResolved(t, r, publicJSON(t, orgID, "Acme Two", "acme", nil, nil, nil))
	if r.Header.Get("ETag") == tag {
		t.Errorf("the ETag did not change with the body")
	}
}
