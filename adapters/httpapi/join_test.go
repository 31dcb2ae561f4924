package httpapi_test

import (
	"fmt"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

const suggestedPath = "/v1/me/suggested-organizations"

func mtJoin(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/join", orgID) }

// mtJoinable creates an organization that allows public signup and has verified name.
func (h *harness) mtJoinable(slug, name string) int64 {
	h.t.Helper()
	orgID := h.createOrg(slug)
	h.verifiedDomain(orgID, name)
	expect(h.t, h.do("PATCH", mtOrg(orgID), rootEmail, map[string]any{"settings": map[string]any{"allow_public_signup": true}}), 200, "")
	return orgID
}

// mtSuggested lists the slugs GET /v1/me/suggested-organizations shows the token's user.
func (h *harness) mtSuggested(token string) []string {
	h.t.Helper()
	r := h.doToken("GET", suggestedPath, token, nil)
	expect(h.t, r, 200, "")
	if keys(r.Body) != "data" {
		h.t.Fatalf("suggested keys: %s", r.Raw)
	}
	out := []string{}
	for _, o := range r.Body["data"].([]any) {
		out = append(out, o.(map[string]any)["slug"].(string))
	}
	return out
}

func TestJoin_ByVerifiedDomain(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.mtJoinable("clinic", "clinic-a.example")
		h.mtJoinable("aardvark", "clinic-a-two.example") // first by name, but another domain: not suggested
		ann := h.token("ann@clinic-a.example")
		before := h.mtMembersCount(orgID)

		res := h.doToken("GET", suggestedPath, ann, nil)
		expect(t, res, 200, "")
		o := res.items(t, 1)[0].(map[string]any)
		if keys(o) != "icon_url id language_code logo_url name slug" || id(o["id"]) != orgID || o["slug"] != "clinic" || o["name"] != "Org clinic" {
			t.Errorf("suggested organization %v", o)
		}

		joined := h.doToken("POST", mtJoin(orgID), ann, nil)
		expect(t, joined, 200, "")
		if keys(joined.Body) != "data" || keys(joined.data()) != "organization_id role" ||
			id(joined.data()["organization_id"]) != orgID || joined.data()["role"] != "member" {
			t.Fatalf("join: %s", joined.Raw)
		}
		if n := h.mtMembersCount(orgID); n != before+1 {
			t.Errorf("members_count %d after join, want %d", n, before+1)
		}
		if got := h.mtRoles(orgID)["ann@clinic-a.example"]; got != "member" {
			t.Errorf("joined as %q", got)
		}
		if cur := h.mtCurrentOrg("ann@clinic-a.example"); cur == nil || id(cur) != orgID {
			t.Errorf("current organization %v after joining, want %d", cur, orgID)
		}
		expect(t, h.do("GET", mtOrg(orgID), "ann@clinic-a.example", nil), 200, "")
		recs := h.mtAudit(orgID, "member.joined")
		if len(recs) != 1 || recs[0]["actor_email"] != "ann@clinic-a.example" || recs[0]["target_type"] != "user" ||
			recs[0]["target_id"] != fmt.Sprint(h.mtUserID("ann@clinic-a.example")) || fmt.Sprint(recs[0]["changes"]) != "[role]" {
			t.Errorf("member.joined records %v", recs)
		}

		// Once a member: no longer suggested, and joining again is a conflict.
		if got := h.mtSuggested(ann); len(got) != 0 {
			t.Errorf("still suggested after joining: %v", got)
		}
		expect(t, h.doToken("POST", mtJoin(orgID), ann, nil), 409, "user_already_connected")
		if n := h.mtMembersCount(orgID); n != before+1 {
			t.Errorf("members_count %d after a second join, want %d", n, before+1)
		}

		// The organization's default role is what a joiner gets; the domain is matched
		// whatever the case of the address.
		expect(t, h.do("PATCH", mtOrg(orgID), rootEmail, map[string]any{"settings": map[string]any{"default_role": "admin"}}), 200, "")
		bob := h.claims(jwt.MapClaims{"sub": "sub|bob", "email": "Bob@Clinic-A.Example", "email_verified": true})
		if got := fmt.Sprint(h.mtSuggested(bob)); got != "[clinic]" {
			t.Errorf("bob is suggested %s", got)
		}
		res = h.doToken("POST", mtJoin(orgID), bob, nil)
		expect(t, res, 200, "")
		if res.data()["role"] != "admin" || h.mtRoles(orgID)["bob@clinic-a.example"] != "admin" {
			t.Errorf("joined with %s, want the default role admin", res.Raw)
		}

		// Leaving makes it suggested and joinable again.
		expect(t, h.doToken("DELETE", mtLeave(orgID), ann, nil), 204, "")
		if got := fmt.Sprint(h.mtSuggested(ann)); got != "[clinic]" {
			t.Errorf("suggested after leaving: %s", got)
		}
		expect(t, h.doToken("POST", mtJoin(orgID), ann, nil), 200, "")
		if n := h.mtMembersCount(orgID); n != before+2 {
			t.Errorf("members_count %d, want %d", n, before+2)
		}
		if n := len(h.mtAudit(orgID, "member.joined")); n != 3 {
			t.Errorf("%d member.joined records, want 3", n)
		}
	})
}

// TestJoin_InternationalizedDomain: an address at an internationalized domain joins the
// organization that verified it, however either was written (custom domains are stored in
// punycode).
func TestJoin_InternationalizedDomain(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("buecher")
		domainID, token := h.addDomain(orgID, rootEmail, "Bücher.example")
		h.dns.SetTXT(txtHost("xn--bcher-kva.example"), token)
		expect(t, h.do("POST", verifyPath(orgID, domainID), rootEmail, nil), 200, "")
		expect(t, h.do("PATCH", mtOrg(orgID), rootEmail, map[string]any{"settings": map[string]any{"allow_public_signup": true}}), 200, "")
		for _, email := range []string{"ann@bücher.example", "bob@BÜCHER.example", "carl@xn--bcher-kva.example"} {
			if got := fmt.Sprint(h.mtSuggested(h.token(email))); got != "[buecher]" {
				t.Errorf("%s is suggested %s", email, got)
			}
			expect(t, h.do("POST", mtJoin(orgID), email, nil), 200, "")
		}
		expect(t, h.do("POST", mtJoin(orgID), "dora@bücher.example.org", nil), 403, "forbidden")
		if n := h.mtMembersCount(orgID); n != 4 {
			t.Errorf("members_count %d, want 4", n)
		}
	})
}

// TestJoin_SuggestsEveryJoinableOrganization, by name, and only those.
func TestJoin_SuggestsEveryJoinableOrganization(t *testing.T) {
	h := sqlite(t)
	h.mtJoinable("zulu", "zulu.example")
	h.mtJoinable("alpha", "shared-x.example")
	h.mtJoinable("beta", "shared-y.example")
	closed := h.createOrg("closed")
	h.verifiedDomain(closed, "closed.example")
	if got := fmt.Sprint(h.mtSuggested(h.token("a@shared-x.example"))); got != "[alpha]" {
		t.Errorf("suggested %s", got)
	}
	if got := fmt.Sprint(h.mtSuggested(h.token("a@zulu.example"))); got != "[zulu]" {
		t.Errorf("suggested %s", got)
	}
	if got := h.mtSuggested(h.token("a@closed.example")); len(got) != 0 {
		t.Errorf("a closed organization is suggested: %v", got)
	}
	if got := h.mtSuggested(h.token(rootEmail)); len(got) != 0 {
		t.Errorf("suggested %v to the superadmin", got)
	}
}

// TestJoin_Refused: joining needs public signup, an active organization and a verified
// domain equal to the caller's verified, non-free-mail email domain; nothing else will do.
func TestJoin_Refused(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		verified := func(email string) string { return h.token(email) }
		unverified := func(email string) string {
			return h.claims(jwt.MapClaims{"sub": "unverified|" + email, "email": email, "email_verified": false})
		}
		cases := []struct {
			name  string
			setup func() int64 // the organization
			token string
		}{
			{"public signup off", func() int64 {
				id := h.createOrg("closed")
				h.verifiedDomain(id, "closed.example")
				return id
			}, verified("a@closed.example")},
			{"suspended", func() int64 {
				id := h.mtJoinable("suspended", "suspended.example")
				expect(t, h.do("PATCH", mtOrg(id), rootEmail, map[string]any{"status": "suspended"}), 200, "")
				return id
			}, verified("a@suspended.example")},
			{"archived", func() int64 {
				id := h.mtJoinable("archived", "archived.example")
				expect(t, h.do("PATCH", mtOrg(id), rootEmail, map[string]any{"status": "archived"}), 200, "")
				return id
			}, verified("a@archived.example")},
			{"domain pending", func() int64 {
				id := h.createOrg("pending")
				h.addDomain(id, rootEmail, "pending.example")
				expect(t, h.do("PATCH", mtOrg(id), rootEmail, map[string]any{"settings": map[string]any{"allow_public_signup": true}}), 200, "")
				return id
			}, verified("a@pending.example")},
			{"domain failed", func() int64 {
				id := h.createOrg("failed")
				domainID, _ := h.addDomain(id, rootEmail, "failed.example")
				h.dns.SetTXT(txtHost("failed.example"), "wrong-token")
				expect(t, h.do("POST", verifyPath(id, domainID), rootEmail, nil), 200, "")
				expect(t, h.do("PATCH", mtOrg(id), rootEmail, map[string]any{"settings": map[string]any{"allow_public_signup": true}}), 200, "")
				return id
			}, verified("a@failed.example")},
			{"domain deleted", func() int64 {
				id := h.mtJoinable("deleted", "deleted.example")
				domainID := mtIDOf(h.do("GET", domainsPath(id), rootEmail, nil).items(t, 1)[0])
				expect(t, h.do("DELETE", domainPath(id, domainID), rootEmail, nil), 204, "")
				return id
			}, verified("a@deleted.example")},
			{"no domain", func() int64 {
				id := h.createOrg("nodomain")
				expect(t, h.do("PATCH", mtOrg(id), rootEmail, map[string]any{"settings": map[string]any{"allow_public_signup": true}}), 200, "")
				return id
			}, verified("a@nodomain.example")},
			{"another domain", func() int64 { return h.mtJoinable("another", "another.example") }, verified("a@not-another.example")},
			{"email at a subdomain", func() int64 { return h.mtJoinable("parent", "parent.example") }, verified("a@sub.parent.example")},
			{"email at the parent domain", func() int64 { return h.mtJoinable("child", "www.child.example") }, verified("a@child.example")},
			{"unverified email", func() int64 { return h.mtJoinable("unverified", "unverified.example") }, unverified("a@unverified.example")},
			{"free mail", func() int64 { return h.mtJoinable("gmail", "gmail.com") }, verified("someone@gmail.com")},
			{"free mail, other case", func() int64 { return h.mtJoinable("outlook", "outlook.com") }, verified("Someone@OUTLOOK.com")},
			// IDNA maps full-width letters onto the provider's own name.
			{"free mail, full-width", func() int64 { return h.mtJoinable("yahoo", "yahoo.com") }, verified("someone@ｙａｈｏｏ.com")},
			{"no email", func() int64 { return h.mtJoinable("noemail", "noemail.example") },
				h.claims(jwt.MapClaims{"sub": "no-email-at-all"})},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				h.t = t
				orgID := c.setup()
				before := h.mtMembersCount(orgID)
				if got := h.mtSuggested(c.token); len(got) != 0 {
					t.Errorf("suggested %v", got)
				}
				expect(t, h.doToken("POST", mtJoin(orgID), c.token, nil), 403, "forbidden")
				if n := h.mtMembersCount(orgID); n != before {
					t.Errorf("members_count %d, want %d", n, before)
				}
				if n := len(h.mtAudit(orgID, "member.joined")); n != 0 {
					t.Errorf("%d member.joined records", n)
				}
			})
		}
		h.t = t
		// The same organizations do let a verified address in, where one could be: the
		// refusals above are about the caller or the organization, not the fixture.
		for _, c := range []struct{ slug, email string }{{"another", "b@another.example"}, {"parent", "b@parent.example"},
			{"child", "b@www.child.example"}, {"unverified", "b@unverified.example"}, {"noemail", "b@noemail.example"}} {
			orgID := id(h.do("GET", "/v1/organizations/slug/"+c.slug, rootEmail, nil).data()["id"])
			if got := fmt.Sprint(h.mtSuggested(h.token(c.email))); got != "["+c.slug+"]" {
				t.Errorf("%s is suggested %s", c.email, got)
			}
			expect(t, h.do("POST", mtJoin(orgID), c.email, nil), 200, "")
		}
		// A member of an organization they could not join by domain is refused as anyone.
		r := h.orgWithRoles("members")
		expect(t, h.do("POST", mtJoin(r.orgID), r.viewer, nil), 403, "forbidden")

		expect(t, h.do("POST", mtJoin(99999), "b@another.example", nil), 404, "organization_not_found")
		expect(t, h.do("POST", mtJoin(99999), rootEmail, nil), 404, "organization_not_found")
		expect(t, h.do("POST", mtJoin(r.orgID), "", nil), 401, "")
		expect(t, h.do("GET", suggestedPath, "", nil), 401, "")
	})
}

func mtIDOf(v any) int64 { return id(v.(map[string]any)["id"]) }

// TestJoin_Validation: the path id must be an id, on both databases.
func TestJoin_Validation(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		for _, p := range []string{"abc", "0", "-1", "01", "%00", "1e3"} {
			mtFields(t, h.do("POST", "/v1/organizations/"+p+"/join", "a@x.example", nil), "id")
		}
		orgID := h.mtJoinable("valid", "valid.example")
		mtFields(t, h.do("POST", mtJoin(orgID)+"?x=a%00", "a@valid.example", nil), "x")
		if n := h.mtMembersCount(orgID); n != 1 {
			t.Errorf("members_count %d after refused joins", n)
		}
		expect(t, h.do("POST", mtJoin(orgID), "a@valid.example", nil), 200, "")
	})
}
