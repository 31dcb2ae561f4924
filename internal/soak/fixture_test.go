package soak

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/domain"
)

// user is a signed-in identity: its token and its user id.
type user struct {
	token string
	id    int64
}

// org is an organization of the fixture.
type org struct {
	id   int64
	slug string
}

// fixture is what the load, the probes and the checks act on, made through the API.
type fixture struct {
	ops        user   // the superadmin, owner of every organization here
	readers    []user // one per load worker, a member of its worker's load organization
	churners   []user // one per load worker, added to and removed from its organization
	loadOrgs   []org
	probeOrg   org
	member     user // a member of probeOrg
	admin      user // an admin of probeOrg
	domainOrgs []org
	limitOrg   org
	recheck    []string // domains re-checked in the background: pending, then verified
}

// mint is an HS256 token for subject with a verified example.com email.
func mint(t *testing.T, secret, subject string) string {
	t.Helper()
	tok, err := auth.MintHS256(auth.Config{HS256Secret: []byte(secret)},
		domain.Identity{Subject: subject, Email: subject + "@example.com", EmailVerified: true}, 2*time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// data decodes an answer's data object.
func data(t *testing.T, out []byte) map[string]any {
	t.Helper()
	var v struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("answer %.300s: %v", out, err)
	}
	return v.Data
}

func idOf(m map[string]any) int64 {
	f, _ := m["id"].(float64)
	return int64(f)
}

// must sends one setup request through the balancer and fails the test unless it is answered
// with want; it returns the answer's data.
func must(t *testing.T, b *balancer, method, path, token string, body any, want int) map[string]any {
	t.Helper()
	code, out := b.send("setup", method, path, token, body)
	if code != want {
		t.Fatalf("%s %s: %d, want %d: %.500s", method, path, code, want, out)
	}
	if len(out) == 0 {
		return nil
	}
	return data(t, out)
}

// signIn provisions subject and returns its token and id.
func signIn(t *testing.T, b *balancer, secret, subject string) user {
	t.Helper()
	tok := mint(t, secret, subject)
	return user{token: tok, id: idOf(must(t, b, "GET", "/v1/me", tok, nil, 200))}
}

func createOrg(t *testing.T, b *balancer, ops user, name, slug string) org {
	t.Helper()
	d := must(t, b, "POST", "/v1/organizations", ops.token, map[string]any{"name": name, "slug": slug}, 201)
	return org{id: idOf(d), slug: slug}
}

func addMember(t *testing.T, b *balancer, ops user, o org, u user, role string) {
	t.Helper()
	must(t, b, "POST", fmt.Sprintf("/v1/organizations/%d/members", o.id), ops.token, map[string]any{"user_id": u.id, "role": role}, 201)
}

// newFixture signs everyone in and creates the organizations, their members, the limited
// organization's API key and the background-checked domains (pending ones without a record,
// verified ones with theirs).
func newFixture(t *testing.T, b *balancer, dns *dnsServer, secret string, workers int) *fixture {
	t.Helper()
	f := &fixture{ops: signIn(t, b, secret, "ops")}
	for i := range 4 {
		f.loadOrgs = append(f.loadOrgs, createOrg(t, b, f.ops, fmt.Sprintf("Load %d", i), fmt.Sprintf("load-%d", i)))
	}
	for w := range workers {
		f.readers = append(f.readers, signIn(t, b, secret, fmt.Sprintf("reader-%d", w)))
		f.churners = append(f.churners, signIn(t, b, secret, fmt.Sprintf("churner-%d", w)))
		addMember(t, b, f.ops, f.loadOrgs[w%len(f.loadOrgs)], f.readers[w], "member")
	}
	f.probeOrg = createOrg(t, b, f.ops, "Probe", "probe")
	f.member, f.admin = signIn(t, b, secret, "member"), signIn(t, b, secret, "admin")
	addMember(t, b, f.ops, f.probeOrg, f.member, "member")
	addMember(t, b, f.ops, f.probeOrg, f.admin, "admin")
	for i := range 2 {
		f.domainOrgs = append(f.domainOrgs, createOrg(t, b, f.ops, fmt.Sprintf("Domains %d", i), fmt.Sprintf("domains-%d", i)))
	}
	f.limitOrg = createOrg(t, b, f.ops, "Limited", "limited")
	must(t, b, "POST", fmt.Sprintf("/v1/organizations/%d/api-keys", f.limitOrg.id), f.ops.token,
		map[string]any{"title": "Stripe", "service": "stripe", "api_key": "sk_test_soak"}, 201)

	rc := createOrg(t, b, f.ops, "Rechecked", "rechecked")
	for i := range 12 {
		name := fmt.Sprintf("recheck-%d.example.com", i)
		d := must(t, b, "POST", fmt.Sprintf("/v1/organizations/%d/domains", rc.id), f.ops.token, map[string]any{"domain": name, "domain_type": "clinic"}, 201)
		if i >= 10 { // the last two are verified, and re-checked as verified domains
			dns.setTXT(txtHost(name), d["verification_token"].(string))
			v := must(t, b, "POST", fmt.Sprintf("/v1/organizations/%d/domains/%d/verify", rc.id, idOf(d)), f.ops.token, nil, 200)
			if v["status"] != "verified" {
				t.Fatalf("verify %s: %v", name, v)
			}
		}
		f.recheck = append(f.recheck, name)
	}
	return f
}

// txtHost is where the TXT record proving name lives.
func txtHost(name string) string { return "_orgkit-verification." + name }
