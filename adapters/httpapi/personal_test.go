package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// personalOn is the configuration of ORGKIT_PERSONAL_ORGANIZATIONS=true.
func personalOn(c *app.Config) { c.PersonalOrganizations = true }

// eachDialectPersonal is eachDialect with personal organizations on.
func eachDialectPersonal(t *testing.T, fn func(t *testing.T, h *harness)) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) { fn(t, newHarnessWith(t, d, personalOn)) })
	}
}

// psToken mints a token for subject with extra claims (email_verified true with an email).
func (h *harness) psToken(subject string, extra jwt.MapClaims) string {
	c := jwt.MapClaims{"sub": subject}
	for k, v := range extra {
		c[k] = v
	}
	if _, ok := c["email"]; ok {
		c["email_verified"] = true
	}
	return h.claims(c)
}

// psSlugOf reports whether slug is base with a personal organization's random suffix, so
// the bare base (a company's name, from a claim the user may edit) stays free.
func psSlugOf(slug any, base string) bool {
	return regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `-[0-9a-f]{6}$`).MatchString(fmt.Sprint(slug))
}

// psOrganizations is the caller's GET /v1/organizations, failing unless it holds want items.
func (h *harness) psOrganizations(token string, want int) []map[string]any {
	h.t.Helper()
	r := h.doToken("GET", "/v1/organizations", token, nil)
	expect(h.t, r, 200, "")
	var out []map[string]any
	for _, it := range r.items(h.t, want) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// psTotal counts every organization in the store (no request: the superadmin would get one).
func (h *harness) psTotal() int64 {
	h.t.Helper()
	q, err := domain.OrganizationQuery{}.Normalize()
	if err != nil {
		h.t.Fatal(err)
	}
	p, err := h.store.Organizations().List(context.Background(), q)
	if err != nil {
		h.t.Fatal(err)
	}
	return p.Total
}

// psCreatedRecords are the organization's organization.created audit records.
func (h *harness) psCreatedRecords(orgID int64) []domain.AuditRecord {
	h.t.Helper()
	p, err := h.store.Audit().List(context.Background(), domain.AuditQuery{Page: 1, PageSize: 100, OrganizationID: &orgID})
	if err != nil {
		h.t.Fatal(err)
	}
	var out []domain.AuditRecord
	for _, r := range p.Items {
		if r.Action == domain.AuditOrganizationCreated {
			out = append(out, r)
		}
	}
	return out
}

// The first authenticated request of a user who belongs nowhere makes their personal
// organization, named after the token's organization claim: it is listed, current, owned by
// them alone and audited once with them as actor.
func TestPersonalOrganizations_FromTheOrganizationClaim(t *testing.T) {
	eachDialectPersonal(t, func(t *testing.T, h *harness) {
		tok := h.psToken("sub|ann", jwt.MapClaims{"email": "ann@acme.example", "name": "Ann Lee", "organization": "  Acme Corporation "})
		orgs := h.psOrganizations(tok, 1)
		o := orgs[0]
		if o["name"] != "Acme Corporation" || !psSlugOf(o["slug"], "acme-corporation") || id(o["members_count"]) != 1 || o["status"] != "active" {
			t.Fatalf("personal organization: %v", o)
		}
		me := h.doToken("GET", "/v1/me", tok, nil)
		expect(t, me, 200, "")
		if me.data()["current_organization_id"] != o["id"] || fmt.Sprint(me.data()["organization_ids"]) != fmt.Sprintf("[%v]", o["id"]) {
			t.Fatalf("me: %s", me.Raw)
		}
		orgID := id(o["id"])
		members := h.doToken("GET", fmt.Sprintf("/v1/organizations/%d/members", orgID), tok, nil)
		expect(t, members, 200, "")
		if m := members.items(t, 1)[0].(map[string]any); m["role"] != "owner" || m["user_id"] != me.data()["id"] {
			t.Fatalf("members: %s", members.Raw)
		}
		recs := h.psCreatedRecords(orgID)
		if len(recs) != 1 || recs[0].ActorUserID == nil || *recs[0].ActorUserID != id(me.data()["id"]) {
			t.Fatalf("audit: %+v", recs)
		}
		// Later requests (warm or cold) make nothing more.
		h.psOrganizations(tok, 1)
		if n := h.psTotal(); n != 1 {
			t.Fatalf("%d organizations, want 1", n)
		}
	})
}

// Without a usable organization claim the name is "<name>'s organization", else from the
// email's local part, else "Personal organization"; claims that are not a usable name (not
// a string, too short, bidi controls) are ignored, never an error.
func TestPersonalOrganizations_FallbackNames(t *testing.T) {
	eachDialectPersonal(t, func(t *testing.T, h *harness) {
		for _, c := range []struct {
			sub        string
			claims     jwt.MapClaims
			name, slug string
		}{
			{"named", jwt.MapClaims{"email": "zoe@example.com", "name": "Zoë Ølsen"}, "Zoë Ølsen's organization", "zoe-olsens-organization"},
			{"emailonly", jwt.MapClaims{"email": "bob.smith@example.com"}, "bob.smith's organization", "bob-smiths-organization"},
			{"nothing", jwt.MapClaims{}, "Personal organization", "personal-organization"},
			{"short", jwt.MapClaims{"name": "Li", "organization": "A"}, "Li's organization", "lis-organization"},
			{"object", jwt.MapClaims{"name": "Obi", "organization": map[string]any{"name": "Nested Inc"}}, "Obi's organization", "obis-organization"},
			{"bidi", jwt.MapClaims{"name": "Eve", "organization": "Evil\u202eCorp"}, "Eve's organization", "eves-organization"},
			{"clerk", jwt.MapClaims{"name": "Cy", "org_name": "Clerk Org"}, "Clerk Org", "clerk-org"},
			{"japanese", jwt.MapClaims{"organization": "株式会社"}, "株式会社", "personal"},
		} {
			orgs := h.psOrganizations(h.psToken("sub|"+c.sub, c.claims), 1)
			if orgs[0]["name"] != c.name || !psSlugOf(orgs[0]["slug"], c.slug) {
				t.Errorf("%s: got %q (%s), want %q (%s)", c.sub, orgs[0]["name"], orgs[0]["slug"], c.name, c.slug)
			}
		}
		// A claim with a NUL character is refused like any claim holding one.
		expect(t, h.doToken("GET", "/v1/me", h.psToken("sub|nul", jwt.MapClaims{"organization": "a\x00b"}), nil), 401, "unauthorized")
	})
}

// Users whose organizations would have one name get distinct slugs, one after the other and
// when their first requests race.
func TestPersonalOrganizations_SlugsAreUnique(t *testing.T) {
	eachDialectPersonal(t, func(t *testing.T, h *harness) {
		first := h.psOrganizations(h.psToken("sub|a1", jwt.MapClaims{"name": "Sam Doe"}), 1)[0]
		second := h.psOrganizations(h.psToken("sub|a2", jwt.MapClaims{"name": "Sam Doe"}), 1)[0]
		if !psSlugOf(first["slug"], "sam-does-organization") || !psSlugOf(second["slug"], "sam-does-organization") || first["slug"] == second["slug"] || second["name"] != "Sam Doe's organization" {
			t.Fatalf("slugs %v and %v", first["slug"], second["slug"])
		}
		const racers = 6
		slugs := make([]string, racers)
		var wg sync.WaitGroup
		for i := range racers {
			tok := h.psToken(fmt.Sprintf("sub|race-%d", i), jwt.MapClaims{"organization": "Same Clinic"})
			wg.Go(func() {
				code, body, err := h.send("GET", "/v1/organizations", tok, nil)
				if err != nil || code != 200 {
					t.Errorf("racer %d: %d %s %v", i, code, body, err)
					return
				}
				var list struct{ Data []struct{ Slug string } }
				if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Data) != 1 {
					t.Errorf("racer %d: %s %v", i, body, err)
					return
				}
				slugs[i] = list.Data[0].Slug
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for _, s := range slugs {
			if s == "" || seen[s] {
				t.Fatalf("racing users' slugs %v: not distinct", slugs)
			}
			seen[s] = true
		}
		if n := h.psTotal(); n != 2+racers {
			t.Fatalf("%d organizations, want %d", n, 2+racers)
		}
	})
}

// Twenty racing first requests of one new user make one organization, with one member and
// one audit record, and every request sees it.
func TestPersonalOrganizations_RacingFirstRequests(t *testing.T) {
	eachDialectPersonal(t, func(t *testing.T, h *harness) {
		tok := h.psToken("sub|racer", jwt.MapClaims{"email": "racer@example.com", "name": "Rae Cer"})
		const n = 20
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				code, body, err := h.send("GET", "/v1/me", tok, nil)
				if err != nil || code != 200 || strings.Contains(body, `"current_organization_id":null`) {
					t.Errorf("request %d: %d %s %v", i, code, body, err)
				}
			})
		}
		wg.Wait()
		if total := h.psTotal(); total != 1 {
			t.Fatalf("%d organizations, want 1", total)
		}
		o := h.psOrganizations(tok, 1)[0]
		if id(o["members_count"]) != 1 {
			t.Fatalf("members_count %v", o["members_count"])
		}
		if recs := h.psCreatedRecords(id(o["id"])); len(recs) != 1 {
			t.Fatalf("%d organization.created records, want 1", len(recs))
		}
	})
}

// Off by default: a user who belongs nowhere stays so.
func TestPersonalOrganizations_OffByDefault(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		tok := h.psToken("sub|plain", jwt.MapClaims{"email": "plain@example.com", "name": "Plain", "organization": "Plain Org"})
		h.psOrganizations(tok, 0)
		if n := h.psTotal(); n != 0 {
			t.Fatalf("%d organizations, want 0", n)
		}
	})
}

// Only once: a user whose personal organization is gone (deleted here; leaving is the same)
// gets no new one on later sign-ins.
func TestPersonalOrganizations_OnlyOnce(t *testing.T) {
	eachDialectPersonal(t, func(t *testing.T, h *harness) {
		tok := h.psToken("sub|once", jwt.MapClaims{"email": "once@example.com", "name": "Once"})
		orgID := id(h.psOrganizations(tok, 1)[0]["id"])
		expect(t, h.do("DELETE", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, nil), 204, "")
		h.psOrganizations(tok, 0) // the deletion emptied the access cache: this sign-in is cold
		me := h.doToken("GET", "/v1/me", tok, nil)
		if fmt.Sprint(me.data()["organization_ids"]) != "[]" || me.data()["current_organization_id"] != nil {
			t.Fatalf("me: %s", me.Raw)
		}
	})
}

// TestPersonalOrganizations_WaitForAPendingInvitation: a user whose verified email has a
// pending invitation is on their way into an organization and gets no personal one, neither
// before accepting nor after; an unverified email matches no invitation.
func TestPersonalOrganizations_WaitForAPendingInvitation(t *testing.T) {
	eachDialectPersonal(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("acme")
		_, token := h.ivInvite(orgID, rootEmail, "ivy@example.com")
		ivy := h.psToken("sub|ivy", jwt.MapClaims{"email": "ivy@example.com", "name": "Ivy"})
		h.psOrganizations(ivy, 0)
		expect(t, h.doToken("POST", ivAcceptInvitationPath(token), ivy, nil), 200, "")
		if got := h.psOrganizations(ivy, 1)[0]; id(got["id"]) != orgID { // a cold sign-in: the accept dropped ivy's cache
			t.Fatalf("ivy's organization: %v, want only acme (%d)", got, orgID)
		}

		h.ivInvite(orgID, rootEmail, "una@example.com")
		una := h.claims(jwt.MapClaims{"sub": "sub|una", "email": "una@example.com", "email_verified": false, "name": "Una"})
		if got := h.psOrganizations(una, 1)[0]; got["name"] != "Una's organization" {
			t.Fatalf("una's organization: %v, want her personal one", got)
		}
	})
}
