package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

func domainsPath(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/domains", orgID) }

func domainPath(orgID, domainID int64) string {
	return fmt.Sprintf("/v1/organizations/%d/domains/%d", orgID, domainID)
}

func verifyPath(orgID, domainID int64) string { return domainPath(orgID, domainID) + "/verify" }

// txtHost is where the harness's service looks for a domain's proof.
func txtHost(name string) string { return "_orgkit-verification." + name }

// addDomain adds name to the organization as email and returns the domain's id and token.
func (h *harness) addDomain(orgID int64, email, name string) (int64, string) {
	h.t.Helper()
	r := h.do("POST", domainsPath(orgID), email, map[string]any{"domain": name, "domain_type": "clinic"})
	expect(h.t, r, 201, "")
	return id(r.data()["id"]), r.data()["verification_token"].(string)
}

// verifiedDomain adds name to the organization, publishes its TXT record and verifies it.
func (h *harness) verifiedDomain(orgID int64, name string) int64 {
	h.t.Helper()
	domainID, token := h.addDomain(orgID, rootEmail, name)
	h.dns.SetTXT(txtHost(name), token)
	r := h.do("POST", verifyPath(orgID, domainID), rootEmail, nil)
	expect(h.t, r, 200, "")
	if r.data()["status"] != "verified" {
		h.t.Fatalf("verify %s: %s", name, r.Raw)
	}
	return domainID
}

// countDomains counts the stored domains named name, of status when it is not "".
func (h *harness) countDomains(name, status string) int {
	h.t.Helper()
	db, err := h.store.SQLDB()
	if err != nil {
		h.t.Fatal(err)
	}
	p1, p2 := "?", "?"
	if h.store.Dialect() == gormstore.Postgres {
		p1, p2 = "$1", "$2"
	}
	q := "SELECT COUNT(*) FROM orgkit_domains WHERE domain = " + p1
	args := []any{name}
	if status != "" {
		q += " AND status = " + p2
		args = append(args, status)
	}
	var n int
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		h.t.Fatal(err)
	}
	return n
}

// keys is the sorted key set of a JSON object.
func keys(m map[string]any) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

const domainKeys = "created_at domain domain_type failure_reason id last_check_at organization_id status updated_at verification_token verified_at"

func TestDomains_Lifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("clinic")
		created := h.do("POST", domainsPath(r.orgID), r.admin, map[string]any{"domain": " Clinic.Example.COM. ", "domain_type": "clinic"})
		expect(t, created, 201, "")
		d := created.data()
		if keys(created.Body) != "data verification" || keys(d) != domainKeys {
			t.Fatalf("add answer keys: %s", created.Raw)
		}
		for k, want := range map[string]any{"domain": "clinic.example.com", "domain_type": "clinic", "status": "pending",
			"failure_reason": nil, "verified_at": nil, "last_check_at": nil, "verification_token": "tok-1"} {
			if d[k] != want {
				t.Errorf("%s = %v, want %v", k, d[k], want)
			}
		}
		if id(d["organization_id"]) != r.orgID || id(d["id"]) <= 0 || !rfc3339UTC.MatchString(d["created_at"].(string)) || d["created_at"] != d["updated_at"] {
			t.Errorf("ids/timestamps: %s", created.Raw)
		}
		if v := created.Body["verification"].(map[string]any); keys(v) != "txt_host txt_value" ||
			v["txt_host"] != "_orgkit-verification.clinic.example.com" || v["txt_value"] != "tok-1" {
			t.Errorf("verification %v", v)
		}
		domainID := id(d["id"])

		list := h.do("GET", domainsPath(r.orgID), r.viewer, nil)
		expect(t, list, 200, "")
		if keys(list.Body) != "data" || fmt.Sprint(list.items(t, 1)[0]) != fmt.Sprint(d) {
			t.Errorf("list %s, want the added domain %s", list.Raw, created.Raw)
		}

		check := func(status string, reason any) map[string]any {
			t.Helper()
			res := h.do("POST", verifyPath(r.orgID, domainID), r.admin, nil)
			expect(t, res, 200, "")
			got := res.data()
			if keys(got) != domainKeys || got["status"] != status || got["failure_reason"] != reason ||
				got["last_check_at"] == nil || !rfc3339UTC.MatchString(got["last_check_at"].(string)) {
				t.Fatalf("verify: %s, want %s %v", res.Raw, status, reason)
			}
			if res.Header.Get("RateLimit-Limit") != "20" || res.Header.Get("RateLimit-Remaining") == "" {
				t.Errorf("quota headers %v", res.Header)
			}
			return got
		}
		if got := check("failed", "record_not_found"); got["verified_at"] != nil {
			t.Errorf("failed check has verified_at: %v", got)
		}
		h.dns.SetTXT(txtHost("clinic.example.com"), "someone-else", "v=spf1 -all")
		check("failed", "value_mismatch")
		h.dns.SetRcode(txtHost("clinic.example.com"), dns.RcodeServerFailure)
		check("failed", "resolver_error")
		h.dns.SetTXT(txtHost("clinic.example.com"), "v=spf1 -all", "tok-1")
		got := check("verified", nil)
		if got["verified_at"] == nil || got["verified_at"] != got["last_check_at"] || got["updated_at"] != got["last_check_at"] {
			t.Errorf("verified: %v", got)
		}
		if h.countDomains("clinic.example.com", "verified") != 1 {
			t.Errorf("not stored as verified")
		}
		if l := h.do("GET", domainsPath(r.orgID), r.member, nil).items(t, 1)[0].(map[string]any); fmt.Sprint(l) != fmt.Sprint(got) {
			t.Errorf("list after verify %v, want %v", l, got)
		}

		del := h.do("DELETE", domainPath(r.orgID, domainID), r.owner, nil)
		if del.Status != http.StatusNoContent || len(del.Raw) != 0 {
			t.Fatalf("delete: %d %s", del.Status, del.Raw)
		}
		h.do("GET", domainsPath(r.orgID), r.admin, nil).items(t, 0)
		if n := h.countDomains("clinic.example.com", ""); n != 0 {
			t.Errorf("%d rows left after delete", n)
		}
		expect(t, h.do("DELETE", domainPath(r.orgID, domainID), r.owner, nil), 404, "domain_not_found")
		expect(t, h.do("POST", verifyPath(r.orgID, domainID), r.owner, nil), 404, "domain_not_found")
	})
}

func TestDomains_Normalization(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	for _, c := range []struct{ in, want string }{
		{" Clinic.Example.COM. ", "clinic.example.com"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"BÜCHER.example.org", "xn--bcher-kva.example.org"},
		{"xn--bcher-kva.example.net", "xn--bcher-kva.example.net"},
	} {
		r := h.do("POST", domainsPath(orgID), rootEmail, map[string]any{"domain": c.in, "domain_type": "portal"})
		expect(t, r, 201, "")
		if r.data()["domain"] != c.want || r.Body["verification"].(map[string]any)["txt_host"] != txtHost(c.want) {
			t.Errorf("%q: %s, want %s", c.in, r.Raw, c.want)
		}
	}
	h.do("GET", domainsPath(orgID), rootEmail, nil).items(t, 4)
	for _, dup := range []string{"CLINIC.example.com", "clinic.example.com.", "Bücher.Example"} {
		expect(t, h.do("POST", domainsPath(orgID), rootEmail, map[string]any{"domain": dup, "domain_type": "clinic"}), 409, "domain_exists")
	}
	h.do("GET", domainsPath(orgID), rootEmail, nil).items(t, 4)
}

func TestDomains_Validation(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	long := strings.Repeat(strings.Repeat("a", 60)+".", 4) + "com" // 247 characters
	for _, c := range []struct {
		name   string
		body   any
		fields string
	}{
		{"missing domain", map[string]any{"domain_type": "clinic"}, "[domain]"},
		{"missing both", map[string]any{}, "[domain domain_type]"},
		{"null domain", map[string]any{"domain": nil, "domain_type": "clinic"}, "[domain]"},
		{"empty domain", map[string]any{"domain": " ", "domain_type": "clinic"}, "[domain]"},
		{"missing type", map[string]any{"domain": "a.example.com"}, "[domain_type]"},
		{"bad type", map[string]any{"domain": "a.example.com", "domain_type": "shop"}, "[domain_type]"},
		{"bad name and type", map[string]any{"domain": "localhost", "domain_type": "shop"}, "[domain domain_type]"},
		{"ipv4", map[string]any{"domain": "192.168.0.1", "domain_type": "clinic"}, "[domain]"},
		{"ipv6", map[string]any{"domain": "[::1]", "domain_type": "clinic"}, "[domain]"},
		{"single label", map[string]any{"domain": "localhost", "domain_type": "clinic"}, "[domain]"},
		{"label over 63", map[string]any{"domain": strings.Repeat("a", 64) + ".example.com", "domain_type": "clinic"}, "[domain]"},
		{"name over 253", map[string]any{"domain": "abcdefg." + long, "domain_type": "clinic"}, "[domain]"},
		{"empty label", map[string]any{"domain": "a..example.com", "domain_type": "clinic"}, "[domain]"},
		{"leading hyphen", map[string]any{"domain": "-a.example.com", "domain_type": "clinic"}, "[domain]"},
		{"underscore", map[string]any{"domain": "a_b.example.com", "domain_type": "clinic"}, "[domain]"},
		{"numeric tld", map[string]any{"domain": "a.example.123", "domain_type": "clinic"}, "[domain]"},
		{"wildcard", map[string]any{"domain": "*.example.com", "domain_type": "clinic"}, "[domain]"},
		{"url", map[string]any{"domain": "https://clinic.example.com/", "domain_type": "clinic"}, "[domain]"},
		{"platform domain", map[string]any{"domain": "orgkit.test", "domain_type": "clinic"}, "[domain]"},
		{"under platform domain", map[string]any{"domain": "Acme.ORGKIT.test", "domain_type": "clinic"}, "[domain]"},
		{"non-string types", map[string]any{"domain": 5, "domain_type": true}, "[domain domain_type]"},
		{"object domain", map[string]any{"domain": map[string]any{}, "domain_type": "clinic"}, "[domain]"},
		{"nul byte", map[string]any{"domain": "clinic\x00.example.com", "domain_type": "clinic"}, "[domain]"},
		{"unknown field", map[string]any{"domain": "a.example.com", "domain_type": "clinic", "note": "x"}, "[note]"},
		{"status", map[string]any{"domain": "a.example.com", "domain_type": "clinic", "status": "verified"}, "[status]"},
		{"token", map[string]any{"domain": "a.example.com", "domain_type": "clinic", "verification_token": "mine"}, "[verification_token]"},
		{"id and verified_at", map[string]any{"domain": "a.example.com", "domain_type": "clinic", "id": 1, "verified_at": "2025-01-01T00:00:00Z"}, "[id verified_at]"},
		{"organization_id", map[string]any{"domain": "a.example.com", "domain_type": "clinic", "organization_id": 2}, "[organization_id]"},
		{"array body", "[]", "[body]"},
		{"empty body", "", "[body]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.do("POST", domainsPath(orgID), rootEmail, c.body)
			expect(t, r, 400, "validation_error")
			if got := fmt.Sprint(r.fields()); got != c.fields {
				t.Errorf("fields %s, want %s: %s", got, c.fields, r.Raw)
			}
			if m, ok := c.body.(map[string]any); ok && (m["status"] != nil || m["verification_token"] != nil || m["id"] != nil) &&
				!strings.Contains(string(r.Raw), "is set by the server") {
				t.Errorf("server-set field not named as such: %s", r.Raw)
			}
		})
	}
	if len(long) != 247 {
		t.Fatalf("long name is %d characters", len(long))
	}
	// Just within the limits is accepted: labels of 63, and a name of 232 characters, whose TXT
	// record name "_orgkit-verification.<name>" is DNS's 253; one more character is refused.
	edge := strings.Repeat("b", 63) + "." + strings.Repeat("c", 14) + strings.Repeat(".abcdefghi", 15) + ".com"
	if len(edge) != 232 {
		t.Fatalf("edge name is %d characters", len(edge))
	}
	expect(t, h.do("POST", domainsPath(orgID), rootEmail, map[string]any{"domain": "c" + edge, "domain_type": "clinic"}), 400, "validation_error")
	expect(t, h.do("POST", domainsPath(orgID), rootEmail, map[string]any{"domain": edge, "domain_type": "clinic"}), 201, "")
	h.do("GET", domainsPath(orgID), rootEmail, nil).items(t, 1) // nothing else was written
	expect(t, h.do("POST", domainsPath(orgID), rootEmail, "domain=a.example.com", "Content-Type", "application/x-www-form-urlencoded"), 415, "unsupported_media_type")
	for _, p := range []string{domainPath(orgID, 1) + "x/verify", "/v1/organizations/1x/domains"} {
		method := "POST"
		if strings.HasSuffix(p, "domains") {
			method = "GET"
		}
		r := h.do(method, p, rootEmail, nil)
		expect(t, r, 400, "validation_error")
	}
	expect(t, h.do("DELETE", domainsPath(orgID)+"/0", rootEmail, nil), 400, "validation_error")
	if got := fmt.Sprint(h.do("DELETE", domainsPath(orgID)+"/abc", rootEmail, nil).fields()); got != "[domainId]" {
		t.Errorf("bad domainId: fields %s", got)
	}
}

func TestDomains_NotFound(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		a, b := h.orgWithRoles("alpha"), h.orgWithRoles("bravo")
		domainID, token := h.addDomain(a.orgID, a.admin, "alpha.example.com")
		h.dns.SetTXT(txtHost("alpha.example.com"), token)
		// Another organization's domain id, through an organization the caller may manage.
		for _, email := range []string{b.admin, b.owner, rootEmail} {
			expect(t, h.do("POST", verifyPath(b.orgID, domainID), email, nil), 404, "domain_not_found")
			expect(t, h.do("DELETE", domainPath(b.orgID, domainID), email, nil), 404, "domain_not_found")
		}
		expect(t, h.do("POST", verifyPath(a.orgID, domainID+1000), a.admin, nil), 404, "domain_not_found")
		expect(t, h.do("DELETE", domainPath(a.orgID, domainID+1000), a.admin, nil), 404, "domain_not_found")
		expect(t, h.do("GET", domainsPath(999999), rootEmail, nil), 404, "organization_not_found")
		expect(t, h.do("POST", domainsPath(999999), rootEmail, map[string]any{"domain": "x.example.com", "domain_type": "clinic"}), 404, "organization_not_found")
		expect(t, h.do("POST", verifyPath(999999, domainID), rootEmail, nil), 404, "organization_not_found")
		expect(t, h.do("DELETE", domainPath(999999, domainID), rootEmail, nil), 404, "organization_not_found")
		// The domain is untouched by all of it.
		got := h.do("GET", domainsPath(a.orgID), a.member, nil).items(t, 1)[0].(map[string]any)
		if got["status"] != "pending" || got["last_check_at"] != nil {
			t.Errorf("domain changed: %v", got)
		}
		h.do("GET", domainsPath(b.orgID), b.member, nil).items(t, 0)
	})
}

func TestDomains_Taken(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		a, b := h.createOrg("alpha"), h.createOrg("bravo")
		h.verifiedDomain(a, "shared.example.com")
		// Another organization may add the name, and even publish its token, but not verify it.
		bID, token := h.addDomain(b, rootEmail, "Shared.example.com")
		h.dns.SetTXT(txtHost("shared.example.com"), "tok-1", token)
		expect(t, h.do("POST", verifyPath(b, bID), rootEmail, nil), 409, "domain_taken")
		if n, all := h.countDomains("shared.example.com", "verified"), h.countDomains("shared.example.com", ""); n != 1 || all != 2 {
			t.Fatalf("%d verified of %d rows, want 1 of 2", n, all)
		}
		got := h.do("GET", domainsPath(b), rootEmail, nil).items(t, 1)[0].(map[string]any)
		if got["status"] == "verified" || got["verified_at"] != nil {
			t.Errorf("loser: %v", got)
		}
		// Once the winner deletes it, the name is free.
		list := h.do("GET", domainsPath(a), rootEmail, nil).items(t, 1)
		expect(t, h.do("DELETE", domainPath(a, id(list[0].(map[string]any)["id"])), rootEmail, nil), 204, "")
		res := h.do("POST", verifyPath(b, bID), rootEmail, nil)
		expect(t, res, 200, "")
		if res.data()["status"] != "verified" {
			t.Errorf("after release: %s", res.Raw)
		}
	})
}

// TestDomains_VerifyRace: two organizations whose TXT records both match verify one name
// at once, several times over: each time exactly one wins.
func TestDomains_VerifyRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		a, b := h.createOrg("alpha"), h.createOrg("bravo")
		root := h.token(rootEmail)
		for round := range 5 {
			name := fmt.Sprintf("race-%d.example.com", round)
			aID, aTok := h.addDomain(a, rootEmail, name)
			bID, bTok := h.addDomain(b, rootEmail, name)
			h.dns.SetTXT(txtHost(name), aTok, bTok)
			paths := []string{verifyPath(a, aID), verifyPath(b, bID)}
			codes := make([]int, len(paths))
			bodies := make([]string, len(paths))
			errs := make([]error, len(paths))
			start := make(chan struct{})
			done := make(chan int)
			for i, p := range paths {
				go func() {
					<-start
					codes[i], bodies[i], errs[i] = h.send("POST", p, root, nil)
					done <- i
				}()
			}
			close(start)
			for range paths {
				<-done
			}
			for i, err := range errs {
				if err != nil {
					t.Fatalf("round %d verify %d: %v", round, i, err)
				}
			}
			sorted := slices.Clone(codes)
			slices.Sort(sorted)
			if fmt.Sprint(sorted) != "[200 409]" {
				t.Fatalf("round %d: statuses %v: %v", round, codes, bodies)
			}
			winner := slices.Index(codes, 200)
			if !strings.Contains(bodies[winner], `"status":"verified"`) || !strings.Contains(bodies[1-winner], `"domain_taken"`) {
				t.Fatalf("round %d: %v", round, bodies)
			}
			if n := h.countDomains(name, "verified"); n != 1 {
				t.Fatalf("round %d: %d verified rows", round, n)
			}
		}
	})
}

func TestDomains_VerifyRateLimit(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("limited")
	domainID, _ := h.addDomain(r.orgID, r.admin, "limited.example.com")
	for i := range 20 {
		res := h.do("POST", verifyPath(r.orgID, domainID), r.admin, nil)
		expect(t, res, 200, "")
		if res.Header.Get("RateLimit-Remaining") != fmt.Sprint(19-i) {
			t.Fatalf("verify %d: remaining %q", i+1, res.Header.Get("RateLimit-Remaining"))
		}
	}
	queries := h.dns.Queries(txtHost("limited.example.com"))
	res := h.do("POST", verifyPath(r.orgID, domainID), r.admin, nil)
	expect(t, res, 429, "rate_limited")
	if res.Header.Get("Retry-After") == "" || res.Header.Get("RateLimit-Limit") != "20" || res.Header.Get("RateLimit-Remaining") != "0" {
		t.Fatalf("21st verify: %v", res.Header)
	}
	if got := h.dns.Queries(txtHost("limited.example.com")); got != queries {
		t.Errorf("a refused verify queried DNS: %d queries, was %d", got, queries)
	}
	// Per caller: the owner still may; and the window passes.
	expect(t, h.do("POST", verifyPath(r.orgID, domainID), r.owner, nil), 200, "")
	h.advance(time.Minute + time.Second)
	expect(t, h.do("POST", verifyPath(r.orgID, domainID), r.admin, nil), 200, "")
}

// TestDomains_Authorization checks every domain endpoint for every kind of caller.
func TestDomains_Authorization(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("domains-authz")
	callers := []struct {
		name, email  string
		read, manage bool
	}{
		{"anonymous", "", false, false}, {"outsider", r.outsider, false, false}, {"viewer", r.viewer, true, false},
		{"member", r.member, true, false}, {"admin", r.admin, true, true}, {"owner", r.owner, true, true},
		{"superadmin", rootEmail, true, true},
	}
	deny := func(email string) int {
		if email == "" {
			return 401
		}
		return 403
	}
	for _, c := range callers {
		t.Run(c.name, func(t *testing.T) {
			name := c.name + ".example.com"
			domainID, token := h.addDomain(r.orgID, rootEmail, name)
			h.dns.SetTXT(txtHost(name), token)
			status := func(ok bool, want int) int {
				if ok {
					return want
				}
				return deny(c.email)
			}
			for _, req := range []struct {
				method, path string
				body         any
				want         int
			}{
				{"GET", domainsPath(r.orgID), nil, status(c.read, 200)},
				{"POST", domainsPath(r.orgID), map[string]any{"domain": "new-" + name, "domain_type": "clinic"}, status(c.manage, 201)},
				// Invalid input is answered only to those who may act.
				{"POST", domainsPath(r.orgID), map[string]any{"domain": 5, "status": "verified"}, status(c.manage, 400)},
				{"POST", domainsPath(r.orgID), "not json", status(c.manage, 400)},
				{"POST", domainPath(r.orgID, 0) + "/verify", nil, status(c.manage, 400)},
				{"DELETE", domainsPath(r.orgID) + "/x", nil, status(c.manage, 400)},
				{"POST", verifyPath(r.orgID, domainID), nil, status(c.manage, 200)},
				{"DELETE", domainPath(r.orgID, domainID), nil, status(c.manage, 204)},
			} {
				got := h.do(req.method, req.path, c.email, req.body)
				if got.Status != req.want {
					t.Errorf("%s %s %v: got %d %s, want %d", req.method, req.path, req.body, got.Status, got.Raw, req.want)
				}
			}
			if !c.manage {
				// Nothing was written or checked.
				if n := h.countDomains("new-"+name, ""); n != 0 {
					t.Errorf("%d domains added", n)
				}
				if n := h.countDomains(name, "pending"); n != 1 {
					t.Errorf("the domain was changed: %d pending", n)
				}
			}
		})
	}
	// An unknown organization is 404 to everyone signed in, 401 to the anonymous.
	for _, c := range callers {
		want := 404
		if c.email == "" {
			want = 401
		}
		for _, req := range []struct{ method, path string }{
			{"GET", domainsPath(999999)}, {"POST", verifyPath(999999, 1)}, {"DELETE", domainPath(999999, 1)},
		} {
			if got := h.do(req.method, req.path, c.email, nil); got.Status != want {
				t.Errorf("%s %s %s: got %d %s, want %d", c.name, req.method, req.path, got.Status, got.Raw, want)
			}
		}
	}
}
