package httpapi_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func mtMembers(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/members", orgID) }

func mtMember(orgID, userID int64) string { return fmt.Sprintf("%s/%d", mtMembers(orgID), userID) }

func mtLeave(orgID int64) string { return mtMembers(orgID) + "/me" }

func mtOrg(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d", orgID) }

const mtMemberKeys = "email joined_at name role user_id"

// mtUserID signs email in (provisioning the user) and returns its user id.
func (h *harness) mtUserID(email string) int64 {
	h.t.Helper()
	r := h.do("GET", "/v1/me", email, nil)
	expect(h.t, r, 200, "")
	return id(r.data()["id"])
}

// mtConnect adds email to the organization with role (any, owner included) as the superadmin.
func (h *harness) mtConnect(orgID int64, email, role string) {
	h.t.Helper()
	h.mtUserID(email)
	expect(h.t, h.do("POST", mtOrg(orgID)+"/connect-user", rootEmail, map[string]any{"email": email, "role": role}), 200, "")
}

// mtCurrentOrg is the current_organization_id GET /v1/me shows for email (nil when none).
func (h *harness) mtCurrentOrg(email string) any {
	h.t.Helper()
	r := h.do("GET", "/v1/me", email, nil)
	expect(h.t, r, 200, "")
	return r.data()["current_organization_id"]
}

// mtMembersCount is the members_count GET /v1/organizations/{id} shows the superadmin.
func (h *harness) mtMembersCount(orgID int64) int {
	h.t.Helper()
	r := h.do("GET", mtOrg(orgID), rootEmail, nil)
	expect(h.t, r, 200, "")
	return int(r.data()["members_count"].(float64))
}

// mtRoles maps each member's email to their role, as the members list shows it.
func (h *harness) mtRoles(orgID int64) map[string]string {
	h.t.Helper()
	r := h.do("GET", mtMembers(orgID)+"?page_size=100", rootEmail, nil)
	expect(h.t, r, 200, "")
	out := map[string]string{}
	for _, it := range r.Body["data"].([]any) {
		m := it.(map[string]any)
		out[m["email"].(string)] = m["role"].(string)
	}
	return out
}

// mtAudit lists the actions of the organization's audit log, newest first, optionally
// only those of action.
func (h *harness) mtAudit(orgID int64, action string) []map[string]any {
	h.t.Helper()
	path := mtOrg(orgID) + "/audit-logs?page_size=100"
	if action != "" {
		path += "&action=" + action
	}
	r := h.do("GET", path, rootEmail, nil)
	expect(h.t, r, 200, "")
	var out []map[string]any
	for _, it := range r.Body["data"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// mtRecent reports whether v is an RFC 3339 UTC timestamp (seconds) of the last minute.
func mtRecent(v any) bool {
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339, s)
	return err == nil && rfc3339UTC.MatchString(s) && time.Since(at) < time.Minute && time.Until(at) < time.Second
}

// mtFields fails unless the validation error names exactly the fields want (in any order).
func mtFields(t testing.TB, r response, want ...string) {
	t.Helper()
	got := slices.Compact(slices.Sorted(slices.Values(r.fields())))
	slices.Sort(want)
	if r.Status != 400 || r.errCode() != "validation_error" || !slices.Equal(got, want) {
		t.Errorf("got %d %s, want 400 validation_error naming %v", r.Status, r.Raw, want)
	}
}

func TestMembers_List(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("listed")
		named := h.claims(jwt.MapClaims{"sub": "sub|named@example.com", "email": "named@example.com", "email_verified": true, "name": "Ann Named"})
		expect(t, h.doToken("GET", "/v1/me", named, nil), 200, "")
		h.connect(r.orgID, "named@example.com", "member")

		res := h.do("GET", mtMembers(r.orgID), r.viewer, nil)
		expect(t, res, 200, "")
		if keys(res.Body) != "data meta" {
			t.Fatalf("list keys: %s", res.Raw)
		}
		if fmt.Sprint(res.Body["meta"]) != "map[page:1 page_size:25 total:5 total_pages:1]" {
			t.Errorf("meta %v", res.Body["meta"])
		}
		items := res.items(t, 5)
		want := []struct{ email, role string }{{r.owner, "owner"}, {r.admin, "admin"}, {r.member, "member"}, {r.viewer, "viewer"}, {"named@example.com", "member"}}
		for i, it := range items {
			m := it.(map[string]any)
			if keys(m) != mtMemberKeys || m["email"] != want[i].email || m["role"] != want[i].role ||
				id(m["user_id"]) != h.mtUserID(want[i].email) || !mtRecent(m["joined_at"]) {
				t.Errorf("item %d: %v, want %s %s", i, m, want[i].email, want[i].role)
			}
			if wantName := map[bool]any{true: "Ann Named", false: nil}[i == 4]; m["name"] != wantName {
				t.Errorf("item %d name %v, want %v", i, m["name"], wantName)
			}
		}

		for q, want := range map[string]string{ // query -> meta, emails on the page
			"?page_size=2":                   "map[page:1 page_size:2 total:5 total_pages:3] [" + r.owner + " " + r.admin + "]",
			"?page_size=2&page=3":            "map[page:3 page_size:2 total:5 total_pages:3] [named@example.com]",
			"?page_size=2&page=4":            "map[page:4 page_size:2 total:5 total_pages:3] []",
			"?role=member":                   "map[page:1 page_size:25 total:2 total_pages:1] [" + r.member + " named@example.com]",
			"?role=owner":                    "map[page:1 page_size:25 total:1 total_pages:1] [" + r.owner + "]",
			"?role=viewer&page_size=1":       "map[page:1 page_size:1 total:1 total_pages:1] [" + r.viewer + "]",
			"?role=admin&page=2&page_size=1": "map[page:2 page_size:1 total:1 total_pages:1] []",
		} {
			res := h.do("GET", mtMembers(r.orgID)+q, r.member, nil)
			expect(t, res, 200, "")
			var emails []string
			for _, it := range res.Body["data"].([]any) {
				emails = append(emails, it.(map[string]any)["email"].(string))
			}
			if got := fmt.Sprint(res.Body["meta"]) + " " + fmt.Sprint(emails); got != want {
				t.Errorf("%s: %s, want %s", q, got, want)
			}
		}

		// The superadmin lists any organization; an outsider none.
		h.do("GET", mtMembers(r.orgID), rootEmail, nil).items(t, 5)
		expect(t, h.do("GET", mtMembers(r.orgID), r.outsider, nil), 403, "forbidden")
		expect(t, h.do("GET", mtMembers(99999), r.owner, nil), 404, "organization_not_found")
		expect(t, h.do("GET", mtMembers(r.orgID), "", nil), 401, "")
	})
}

func TestMembers_AddUpdateRemove(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("crud")
		newbie := "newbie@example.com"
		uid := h.mtUserID(newbie)
		if h.mtCurrentOrg(newbie) != nil || h.mtMembersCount(r.orgID) != 4 {
			t.Fatalf("fixture: current org %v, %d members", h.mtCurrentOrg(newbie), h.mtMembersCount(r.orgID))
		}

		added := h.do("POST", mtMembers(r.orgID), r.admin, map[string]any{"user_id": uid, "role": "member"})
		expect(t, added, 201, "")
		m := added.data()
		if keys(added.Body) != "data" || keys(m) != mtMemberKeys || id(m["user_id"]) != uid || m["email"] != newbie ||
			m["role"] != "member" || m["name"] != nil || !mtRecent(m["joined_at"]) {
			t.Fatalf("add: %s", added.Raw)
		}
		if n := h.mtMembersCount(r.orgID); n != 5 {
			t.Errorf("members_count %d after add, want 5", n)
		}
		if cur := h.mtCurrentOrg(newbie); cur == nil || id(cur) != r.orgID {
			t.Errorf("a user without a current organization gets the one they were added to: %v", cur)
		}
		listed := h.do("GET", mtMembers(r.orgID)+"?role=member", r.viewer, nil).items(t, 2)[1]
		if fmt.Sprint(listed) != fmt.Sprint(m) {
			t.Errorf("listed %v, want the added member %v", listed, m)
		}
		expect(t, h.do("POST", mtMembers(r.orgID), r.owner, map[string]any{"user_id": uid}), 409, "user_already_connected")
		expect(t, h.do("POST", mtMembers(r.orgID), r.owner, map[string]any{"user_id": uid, "role": "viewer"}), 409, "user_already_connected")
		expect(t, h.do("POST", mtMembers(r.orgID), r.owner, map[string]any{"user_id": 987654}), 404, "user_not_found")
		if n := h.mtMembersCount(r.orgID); n != 5 {
			t.Errorf("members_count %d after refused adds, want 5", n)
		}

		changed := h.do("PATCH", mtMember(r.orgID, uid), r.admin, map[string]any{"role": "admin"})
		expect(t, changed, 200, "")
		c := changed.data()
		if keys(changed.Body) != "data" || keys(c) != mtMemberKeys || id(c["user_id"]) != uid || c["role"] != "admin" ||
			c["email"] != newbie || c["joined_at"] != m["joined_at"] {
			t.Fatalf("update: %s", changed.Raw)
		}
		if h.mtRoles(r.orgID)[newbie] != "admin" {
			t.Errorf("role not stored: %v", h.mtRoles(r.orgID))
		}
		// The same role again is fine.
		expect(t, h.do("PATCH", mtMember(r.orgID, uid), r.admin, map[string]any{"role": "admin"}), 200, "")
		outsiderID := h.mtUserID(r.outsider)
		expect(t, h.do("PATCH", mtMember(r.orgID, outsiderID), r.owner, map[string]any{"role": "viewer"}), 404, "member_not_found")
		expect(t, h.do("PATCH", mtMember(r.orgID, 987654), r.owner, map[string]any{"role": "viewer"}), 404, "member_not_found")

		del := h.do("DELETE", mtMember(r.orgID, uid), r.owner, nil)
		if del.Status != http.StatusNoContent || len(del.Raw) != 0 {
			t.Fatalf("remove: %d %s", del.Status, del.Raw)
		}
		if n := h.mtMembersCount(r.orgID); n != 4 {
			t.Errorf("members_count %d after remove, want 4", n)
		}
		if cur := h.mtCurrentOrg(newbie); cur != nil {
			t.Errorf("current organization %v kept after removal", cur)
		}
		if _, ok := h.mtRoles(r.orgID)[newbie]; ok {
			t.Errorf("still listed after removal")
		}
		expect(t, h.do("GET", mtOrg(r.orgID), newbie, nil), 403, "forbidden")
		expect(t, h.do("DELETE", mtMember(r.orgID, uid), r.owner, nil), 404, "member_not_found")
		expect(t, h.do("DELETE", mtMember(r.orgID, outsiderID), r.owner, nil), 404, "member_not_found")
		expect(t, h.do("DELETE", mtMember(r.orgID, 987654), r.owner, nil), 404, "member_not_found")
		expect(t, h.do("PATCH", mtMember(r.orgID, uid), r.owner, map[string]any{"role": "viewer"}), 404, "member_not_found")

		// An unknown organization is organization_not_found on every route, whoever asks.
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", mtMembers(99999), nil},
			{"POST", mtMembers(99999), map[string]any{"user_id": uid}},
			{"PATCH", mtMember(99999, uid), map[string]any{"role": "viewer"}},
			{"DELETE", mtMember(99999, uid), nil},
			{"DELETE", mtLeave(99999), nil},
		} {
			for _, who := range []string{rootEmail, r.owner} {
				if got := h.do(c.method, c.path, who, c.body); got.Status != 404 || got.errCode() != "organization_not_found" {
					t.Errorf("%s %s as %s: %d %s", c.method, c.path, who, got.Status, got.Raw)
				}
			}
		}
	})
}

// TestMembers_DefaultRole: adding without a role gives settings.default_role.
func TestMembers_DefaultRole(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("defaults") // orgWithRoles leaves default_role viewer
	for i, c := range []struct{ setBy, role string }{{"", "viewer"}, {r.owner, "admin"}, {r.owner, "member"}} {
		if c.setBy != "" {
			expect(t, h.do("PATCH", mtOrg(r.orgID), c.setBy, map[string]any{"settings": map[string]any{"default_role": c.role}}), 200, "")
		}
		uid := h.mtUserID(fmt.Sprintf("default-%d@example.com", i))
		res := h.do("POST", mtMembers(r.orgID), r.admin, map[string]any{"user_id": uid})
		expect(t, res, 201, "")
		if res.data()["role"] != c.role {
			t.Errorf("added with %v, want the default %s", res.data()["role"], c.role)
		}
	}
}

// TestMembers_RoleRules: owners, admins and superadmins manage members; only owners and
// superadmins give, change or take owner; nobody gives a role above their own.
func TestMembers_RoleRules(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("rules")
		emails := map[string]string{"superadmin": rootEmail, "owner": r.owner, "admin": r.admin, "member": r.member, "viewer": r.viewer}
		type step struct {
			actor, from, to string // from: the target's role before ("" a non-member), to: "" removes
			want            int
		}
		steps := []step{
			// Adding.
			{"owner", "", "owner", 201}, {"owner", "", "admin", 201}, {"owner", "", "viewer", 201},
			{"admin", "", "owner", 403}, {"admin", "", "admin", 201}, {"admin", "", "member", 201}, {"admin", "", "viewer", 201},
			{"member", "", "viewer", 403}, {"viewer", "", "viewer", 403},
			{"superadmin", "", "owner", 201}, {"superadmin", "", "admin", 201},
			// Changing.
			{"owner", "viewer", "owner", 200}, {"owner", "owner", "admin", 200}, {"owner", "admin", "viewer", 200},
			{"admin", "owner", "admin", 403}, {"admin", "owner", "viewer", 403}, {"admin", "member", "owner", 403},
			{"admin", "viewer", "admin", 200}, {"admin", "admin", "member", 200}, {"admin", "member", "viewer", 200},
			{"member", "viewer", "member", 403}, {"member", "viewer", "viewer", 403}, {"viewer", "member", "viewer", 403},
			{"superadmin", "admin", "owner", 200}, {"superadmin", "owner", "member", 200},
			// Removing.
			{"owner", "owner", "", 204}, {"owner", "admin", "", 204}, {"owner", "viewer", "", 204},
			{"admin", "owner", "", 403}, {"admin", "admin", "", 204}, {"admin", "viewer", "", 204},
			{"member", "viewer", "", 403}, {"viewer", "member", "", 403},
			{"superadmin", "owner", "", 204}, {"superadmin", "member", "", 204},
		}
		for i, s := range steps {
			target := fmt.Sprintf("target-%d@example.com", i)
			uid := h.mtUserID(target)
			var res response
			switch {
			case s.from == "":
				res = h.do("POST", mtMembers(r.orgID), emails[s.actor], map[string]any{"user_id": uid, "role": s.to})
			case s.to == "":
				h.mtConnect(r.orgID, target, s.from)
				res = h.do("DELETE", mtMember(r.orgID, uid), emails[s.actor], nil)
			default:
				h.mtConnect(r.orgID, target, s.from)
				res = h.do("PATCH", mtMember(r.orgID, uid), emails[s.actor], map[string]any{"role": s.to})
			}
			if res.Status != s.want || (s.want == 403 && res.errCode() != "forbidden") {
				t.Errorf("%s moving a target from %q to %q: %d %s, want %d", s.actor, s.from, s.to, res.Status, res.Raw, s.want)
			}
			// The stored role is the new one on success, the old one on refusal.
			wantRole := s.from
			if s.want/100 == 2 {
				wantRole = s.to
			}
			if got := h.mtRoles(r.orgID)[target]; got != wantRole {
				t.Errorf("%s moving a target from %q to %q: stored role %q, want %q", s.actor, s.from, s.to, got, wantRole)
			}
		}

		// Changing one's own role follows the same rules: nobody promotes themselves above
		// their role, and only managers change roles at all.
		for _, c := range []struct {
			email, to string
			want      int
		}{
			{r.viewer, "owner", 403}, {r.viewer, "admin", 403}, {r.viewer, "member", 403},
			{r.member, "owner", 403}, {r.member, "admin", 403}, {r.member, "viewer", 403},
			{r.admin, "owner", 403},
			{r.admin, "admin", 200}, {r.admin, "member", 200},
		} {
			before := h.mtRoles(r.orgID)[c.email]
			res := h.do("PATCH", mtMember(r.orgID, h.mtUserID(c.email)), c.email, map[string]any{"role": c.to})
			if res.Status != c.want || (c.want == 403 && res.errCode() != "forbidden") {
				t.Errorf("%s (%s) making themselves %s: %d %s, want %d", c.email, before, c.to, res.Status, res.Raw, c.want)
			}
			if got := h.mtRoles(r.orgID)[c.email]; (c.want == 200) != (got == c.to) {
				t.Errorf("%s making themselves %s: stored %q", c.email, c.to, got)
			}
		}
		// Now a member, the former admin may no longer manage anyone, themselves included.
		expect(t, h.do("PATCH", mtMember(r.orgID, h.mtUserID(r.admin)), r.admin, map[string]any{"role": "admin"}), 403, "forbidden")
	})
}

// TestMembers_ConnectUserRole: connect-user takes an optional role, default
// settings.default_role, and refuses a role above the caller's own.
func TestMembers_ConnectUserRole(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("connect")
		path := mtOrg(r.orgID) + "/connect-user"
		for i, c := range []struct {
			actor string
			role  any // nil: not sent
			want  int
			role2 string // the role the user got
			code  string
		}{
			{r.admin, nil, 200, "viewer", ""}, // orgWithRoles leaves default_role viewer
			{r.admin, "member", 200, "member", ""},
			{r.admin, "admin", 200, "admin", ""},
			{r.admin, "owner", 403, "", "forbidden"},
			{r.owner, "owner", 200, "owner", ""},
			{rootEmail, "owner", 200, "owner", ""},
			{r.owner, "boss", 400, "", "validation_error"},
			{r.owner, "", 400, "", "validation_error"},
			{r.member, "viewer", 403, "", "forbidden"},
		} {
			email := fmt.Sprintf("conn-%d@example.com", i)
			h.mtUserID(email)
			body := map[string]any{"email": email}
			if c.role != nil {
				body["role"] = c.role
			}
			res := h.do("POST", path, c.actor, body)
			expect(t, res, c.want, c.code)
			if c.want == 400 {
				mtFields(t, res, "role")
			}
			if got := h.mtRoles(r.orgID)[email]; got != c.role2 {
				t.Errorf("case %d: role %q, want %q", i, got, c.role2)
			}
			if c.want == 200 && res.data()["role"] != c.role2 {
				t.Errorf("case %d: answered role %v, want %s", i, res.data()["role"], c.role2)
			}
		}
	})
}

// TestMembers_DefaultRoleSetting: whoever joins by email domain gets settings.default_role,
// so only owners and superadmins set it above member.
func TestMembers_DefaultRoleSetting(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("setting")
	set := func(email, role string) response {
		return h.do("PATCH", mtOrg(r.orgID), email, map[string]any{"settings": map[string]any{"default_role": role}})
	}
	expect(t, set(r.admin, "member"), 200, "")
	expect(t, set(r.admin, "admin"), 403, "forbidden")
	if got := h.do("GET", mtOrg(r.orgID), r.admin, nil).data()["settings"].(map[string]any)["default_role"]; got != "member" {
		t.Errorf("default_role %v after a refused change", got)
	}
	expect(t, set(r.admin, "viewer"), 200, "")
	expect(t, set(r.owner, "admin"), 200, "")
	// An admin may leave it at admin (no change) and lower it again.
	expect(t, h.do("PATCH", mtOrg(r.orgID), r.admin, map[string]any{"tagline": "x", "settings": map[string]any{"default_role": "admin"}}), 200, "")
	expect(t, set(r.admin, "member"), 200, "")
	expect(t, set(rootEmail, "admin"), 200, "")
	expect(t, set(r.owner, "owner"), 400, "validation_error")
	expect(t, set(r.member, "viewer"), 403, "forbidden")
}

// TestMembers_LastOwner: no change leaves an organization without an owner.
func TestMembers_LastOwner(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("lastowner")
		ownerID := h.mtUserID(r.owner)
		for _, c := range []struct {
			who, method, path string
			body              any
		}{
			{r.owner, "PATCH", mtMember(r.orgID, ownerID), map[string]any{"role": "admin"}},
			{r.owner, "PATCH", mtMember(r.orgID, ownerID), map[string]any{"role": "viewer"}},
			{r.owner, "DELETE", mtMember(r.orgID, ownerID), nil},
			{r.owner, "DELETE", mtLeave(r.orgID), nil},
			{rootEmail, "PATCH", mtMember(r.orgID, ownerID), map[string]any{"role": "member"}},
			{rootEmail, "DELETE", mtMember(r.orgID, ownerID), nil},
		} {
			if res := h.do(c.method, c.path, c.who, c.body); res.Status != 409 || res.errCode() != "last_owner" {
				t.Errorf("%s %s by %s: %d %s, want 409 last_owner", c.method, c.path, c.who, res.Status, res.Raw)
			}
		}
		if got := h.mtRoles(r.orgID)[r.owner]; got != "owner" || h.mtMembersCount(r.orgID) != 4 {
			t.Fatalf("the last owner is %q, %d members", got, h.mtMembersCount(r.orgID))
		}
		if n := len(h.mtAudit(r.orgID, "member.role_changed")) + len(h.mtAudit(r.orgID, "member.removed")) +
			len(h.mtAudit(r.orgID, "member.left")); n != 0 {
			t.Errorf("%d audit records of refused changes", n)
		}
		// With a second owner, the first may step down, then the second may not.
		adminID := h.mtUserID(r.admin)
		expect(t, h.do("PATCH", mtMember(r.orgID, adminID), r.owner, map[string]any{"role": "owner"}), 200, "")
		expect(t, h.do("PATCH", mtMember(r.orgID, ownerID), r.owner, map[string]any{"role": "admin"}), 200, "")
		expect(t, h.do("DELETE", mtLeave(r.orgID), r.admin, nil), 409, "last_owner")
		expect(t, h.do("PATCH", mtMember(r.orgID, adminID), r.admin, map[string]any{"role": "member"}), 409, "last_owner")
		// Owner to owner keeps the count.
		expect(t, h.do("PATCH", mtMember(r.orgID, adminID), r.admin, map[string]any{"role": "owner"}), 200, "")
		// And a second owner lets the first leave.
		expect(t, h.do("PATCH", mtMember(r.orgID, ownerID), r.admin, map[string]any{"role": "owner"}), 200, "")
		expect(t, h.do("DELETE", mtLeave(r.orgID), r.owner, nil), 204, "")
		if got := h.mtRoles(r.orgID); got[r.admin] != "owner" || got[r.owner] != "" {
			t.Errorf("roles after the owner left: %v", got)
		}
	})
}

func TestMembers_Leave(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("leave")
		// The viewer's current organization is this one (their first); the member's is
		// another one they switched to.
		other := h.createOrg("elsewhere")
		h.connect(other, r.member, "viewer")
		expect(t, h.do("PUT", "/v1/me/switch-organization", r.member, map[string]any{"organization_id": other}), 200, "")
		if cur := h.mtCurrentOrg(r.viewer); cur == nil || id(cur) != r.orgID {
			t.Fatalf("fixture: viewer's current organization %v", cur)
		}

		for _, who := range []string{r.viewer, r.member, r.admin} {
			res := h.do("DELETE", mtLeave(r.orgID), who, nil)
			if res.Status != 204 || len(res.Raw) != 0 {
				t.Fatalf("%s leaves: %d %s", who, res.Status, res.Raw)
			}
			expect(t, h.do("GET", mtOrg(r.orgID), who, nil), 403, "forbidden")
			expect(t, h.do("DELETE", mtLeave(r.orgID), who, nil), 403, "forbidden") // no longer a member
		}
		if cur := h.mtCurrentOrg(r.viewer); cur != nil {
			t.Errorf("viewer's current organization %v kept after leaving it", cur)
		}
		if cur := h.mtCurrentOrg(r.member); cur == nil || id(cur) != other {
			t.Errorf("member's current organization %v, want %d (not the one left)", cur, other)
		}
		if n := h.mtMembersCount(r.orgID); n != 1 {
			t.Errorf("members_count %d after three left, want 1", n)
		}
		left := h.mtAudit(r.orgID, "member.left")
		if len(left) != 3 {
			t.Fatalf("%d member.left records, want 3", len(left))
		}
		if rec := left[0]; rec["actor_email"] != r.admin || rec["target_type"] != "user" || rec["target_id"] != fmt.Sprint(h.mtUserID(r.admin)) {
			t.Errorf("member.left record %v", rec)
		}
		expect(t, h.do("DELETE", mtLeave(r.orgID), rootEmail, nil), 404, "member_not_found") // a superadmin who is not a member
		expect(t, h.do("DELETE", mtLeave(r.orgID), r.outsider, nil), 403, "forbidden")
		expect(t, h.do("DELETE", mtLeave(99999), r.outsider, nil), 404, "organization_not_found")
		expect(t, h.do("DELETE", mtLeave(r.orgID), "", nil), 401, "")

		// Removing oneself by id is leaving.
		h.connect(r.orgID, r.viewer, "viewer")
		expect(t, h.do("DELETE", mtMember(r.orgID, h.mtUserID(r.viewer)), r.viewer, nil), 204, "")
		if n := len(h.mtAudit(r.orgID, "member.left")); n != 4 {
			t.Errorf("%d member.left records, want 4", n)
		}
	})
}

// TestMembers_RemoveClearsCurrentOrganization only when it was the organization left.
func TestMembers_RemoveClearsCurrentOrganization(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("clears")
		other := h.createOrg("kept")
		h.connect(other, r.member, "viewer")
		expect(t, h.do("PUT", "/v1/me/switch-organization", r.member, map[string]any{"organization_id": other}), 200, "")
		expect(t, h.do("DELETE", mtMember(r.orgID, h.mtUserID(r.member)), r.admin, nil), 204, "")
		if cur := h.mtCurrentOrg(r.member); cur == nil || id(cur) != other {
			t.Errorf("current organization %v, want %d kept", cur, other)
		}
		expect(t, h.do("DELETE", mtMember(r.orgID, h.mtUserID(r.viewer)), r.admin, nil), 204, "")
		if cur := h.mtCurrentOrg(r.viewer); cur != nil {
			t.Errorf("current organization %v kept after removal from it", cur)
		}
		// Leaving the other one too leaves the member with none.
		expect(t, h.do("DELETE", mtLeave(other), r.member, nil), 204, "")
		if cur := h.mtCurrentOrg(r.member); cur != nil {
			t.Errorf("current organization %v after leaving it", cur)
		}
		// Being added again makes it current again.
		expect(t, h.do("POST", mtMembers(r.orgID), r.owner, map[string]any{"user_id": h.mtUserID(r.member)}), 201, "")
		if cur := h.mtCurrentOrg(r.member); cur == nil || id(cur) != r.orgID {
			t.Errorf("current organization %v after being added back", cur)
		}
	})
}

// TestMembers_Audit: every membership change writes its audit record.
func TestMembers_Audit(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("audit")
		ua := []string{"X-Request-ID", "req-member-1", "User-Agent", "orgkit-test/1.0"}
		uid := h.mtUserID("audited@example.com")
		expect(t, h.do("POST", mtMembers(r.orgID), r.admin, map[string]any{"user_id": uid, "role": "member"}, ua...), 201, "")
		expect(t, h.do("PATCH", mtMember(r.orgID, uid), r.owner, map[string]any{"role": "viewer"}), 200, "")
		expect(t, h.do("DELETE", mtMember(r.orgID, uid), rootEmail, nil), 204, "")
		expect(t, h.do("DELETE", mtLeave(r.orgID), r.member, nil), 204, "")
		// Refusals write nothing.
		expect(t, h.do("PATCH", mtMember(r.orgID, h.mtUserID(r.owner)), r.admin, map[string]any{"role": "viewer"}), 403, "forbidden")
		expect(t, h.do("POST", mtMembers(r.orgID), r.admin, map[string]any{"user_id": h.mtUserID(r.viewer)}), 409, "user_already_connected")

		recs := h.mtAudit(r.orgID, "")
		var got []string
		for _, rec := range recs[:4] {
			got = append(got, rec["action"].(string))
		}
		if fmt.Sprint(got) != "[member.left member.removed member.role_changed member.added]" {
			t.Fatalf("latest actions %v", got)
		}
		want := []struct {
			actor, target, changes string
		}{
			{r.member, fmt.Sprint(h.mtUserID(r.member)), "[]"},
			{rootEmail, fmt.Sprint(uid), "[]"},
			{r.owner, fmt.Sprint(uid), "[role]"},
			{r.admin, fmt.Sprint(uid), "[role]"},
		}
		for i, w := range want {
			rec := recs[i]
			if rec["actor_email"] != w.actor || rec["target_type"] != "user" || rec["target_id"] != w.target ||
				id(rec["organization_id"]) != r.orgID || fmt.Sprint(rec["changes"]) != w.changes {
				t.Errorf("%s record %v, want actor %s target %s changes %s", rec["action"], rec, w.actor, w.target, w.changes)
			}
		}
		if added := recs[3]; added["request_id"] != "req-member-1" || added["user_agent"] != "orgkit-test/1.0" {
			t.Errorf("member.added metadata %v", added)
		}
	})
}

// TestMembers_Validation: bad input is a 400 validation_error naming each bad field, for
// callers allowed to act; the others learn only that they may not.
func TestMembers_Validation(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("valid")
		uid := h.mtUserID("valid-target@example.com")
		memberID := h.mtUserID(r.member)
		list, add, patch := mtMembers(r.orgID), mtMembers(r.orgID), mtMember(r.orgID, memberID)
		for _, c := range []struct {
			name, method, path string
			body               any
			fields             []string
		}{
			{"add: missing user_id", "POST", add, map[string]any{}, []string{"user_id"}},
			{"add: null user_id", "POST", add, map[string]any{"user_id": nil}, []string{"user_id"}},
			{"add: string user_id", "POST", add, map[string]any{"user_id": fmt.Sprint(uid)}, []string{"user_id"}},
			{"add: fractional user_id", "POST", add, `{"user_id": 1.5}`, []string{"user_id"}},
			{"add: huge user_id", "POST", add, `{"user_id": 9223372036854775808}`, []string{"user_id"}},
			{"add: zero user_id", "POST", add, map[string]any{"user_id": 0}, []string{"user_id"}},
			{"add: negative user_id", "POST", add, map[string]any{"user_id": -4}, []string{"user_id"}},
			{"add: bool user_id", "POST", add, map[string]any{"user_id": true}, []string{"user_id"}},
			{"add: unknown role", "POST", add, map[string]any{"user_id": uid, "role": "boss"}, []string{"role"}},
			{"add: empty role", "POST", add, map[string]any{"user_id": uid, "role": ""}, []string{"role"}},
			{"add: capital role", "POST", add, map[string]any{"user_id": uid, "role": "Admin"}, []string{"role"}},
			{"add: NUL in role", "POST", add, map[string]any{"user_id": uid, "role": "admin\x00"}, []string{"role"}},
			{"add: number role", "POST", add, map[string]any{"user_id": uid, "role": 3}, []string{"role"}},
			{"add: invalid UTF-8 role", "POST", add, "{\"user_id\": 5, \"role\": \"adm\xffin\"}", []string{"role"}},
			{"add: unknown field", "POST", add, map[string]any{"user_id": uid, "email": "x@example.com"}, []string{"email"}},
			{"add: everything wrong", "POST", add, map[string]any{"user_id": "x", "role": "x", "nope": 1}, []string{"nope", "role", "user_id"}},
			{"add: array body", "POST", add, `[]`, []string{"body"}},
			{"add: not JSON", "POST", add, `{"user_id":`, []string{"body"}},
			{"add: two objects", "POST", add, `{"user_id": 5}{}`, []string{"body"}},
			{"patch: missing role", "PATCH", patch, map[string]any{}, []string{"role"}},
			{"patch: null role", "PATCH", patch, map[string]any{"role": nil}, []string{"role"}},
			{"patch: unknown role", "PATCH", patch, map[string]any{"role": "superadmin"}, []string{"role"}},
			{"patch: NUL role", "PATCH", patch, map[string]any{"role": "\x00"}, []string{"role"}},
			{"patch: object role", "PATCH", patch, map[string]any{"role": map[string]any{"name": "admin"}}, []string{"role"}},
			{"patch: unknown field", "PATCH", patch, map[string]any{"role": "viewer", "user_id": memberID}, []string{"user_id"}},
			{"patch: bad user id", "PATCH", mtMembers(r.orgID) + "/abc", map[string]any{"role": "viewer"}, []string{"userId"}},
			{"patch: zero user id", "PATCH", mtMembers(r.orgID) + "/0", map[string]any{"role": "viewer"}, []string{"userId"}},
			{"patch: bad id and role", "PATCH", mtMembers(r.orgID) + "/-1", map[string]any{"role": "x"}, []string{"role", "userId"}},
			{"patch: NUL user id", "PATCH", mtMembers(r.orgID) + "/%00", map[string]any{"role": "viewer"}, []string{"userId"}},
			{"delete: bad user id", "DELETE", mtMembers(r.orgID) + "/abc", nil, []string{"userId"}},
			{"delete: zero user id", "DELETE", mtMembers(r.orgID) + "/0", nil, []string{"userId"}},
			{"delete: padded user id", "DELETE", mtMembers(r.orgID) + "/01", nil, []string{"userId"}},
			{"delete: signed user id", "DELETE", mtMembers(r.orgID) + "/+1", nil, []string{"userId"}},
			{"list: bad org id", "GET", "/v1/organizations/abc/members", nil, []string{"id"}},
			{"list: zero org id", "GET", "/v1/organizations/0/members", nil, []string{"id"}},
			{"list: NUL org id", "GET", "/v1/organizations/%00/members", nil, []string{"id"}},
			{"list: page 0", "GET", list + "?page=0", nil, []string{"page"}},
			{"list: page abc", "GET", list + "?page=abc", nil, []string{"page"}},
			{"list: page_size 0", "GET", list + "?page_size=0", nil, []string{"page_size"}},
			{"list: page_size 101", "GET", list + "?page_size=101", nil, []string{"page_size"}},
			{"list: unknown role", "GET", list + "?role=boss", nil, []string{"role"}},
			{"list: empty role", "GET", list + "?role=", nil, []string{"role"}},
			{"list: NUL role", "GET", list + "?role=admin%00", nil, []string{"role"}},
			{"list: all wrong", "GET", list + "?page=-1&page_size=x&role=x", nil, []string{"page", "page_size", "role"}},
			{"add: bad org id", "POST", "/v1/organizations/abc/members", map[string]any{"user_id": uid}, []string{"id"}},
			{"add: zero org id", "POST", "/v1/organizations/0/members", map[string]any{"user_id": uid}, []string{"id"}},
			{"patch: bad org id", "PATCH", fmt.Sprintf("/v1/organizations/x/members/%d", memberID), map[string]any{"role": "viewer"}, []string{"id"}},
			{"delete: bad org id", "DELETE", fmt.Sprintf("/v1/organizations/1.5/members/%d", memberID), nil, []string{"id"}},
			{"leave: bad org id", "DELETE", "/v1/organizations/abc/members/me", nil, []string{"id"}},
			{"leave: zero org id", "DELETE", "/v1/organizations/0/members/me", nil, []string{"id"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				h.t = t
				mtFields(t, h.do(c.method, c.path, r.owner, c.body), c.fields...)
			})
		}
		h.t = t
		// Nothing changed.
		if got := h.mtRoles(r.orgID); len(got) != 4 || got[r.member] != "member" {
			t.Errorf("members after refused input: %v", got)
		}
		// Not JSON at all is 415.
		expect(t, h.do("POST", add, r.owner, `user_id=5`, "Content-Type", "application/x-www-form-urlencoded"), 415, "")

		// Callers who may not act are refused before their input is looked at.
		for _, who := range []string{r.member, r.viewer, r.outsider} {
			expect(t, h.do("POST", add, who, map[string]any{"user_id": "x"}), 403, "forbidden")
			expect(t, h.do("PATCH", patch, who, map[string]any{"role": "x"}), 403, "forbidden")
			expect(t, h.do("PATCH", mtMembers(r.orgID)+"/abc", who, map[string]any{"role": "viewer"}), 403, "forbidden")
			expect(t, h.do("DELETE", mtMembers(r.orgID)+"/0", who, nil), 403, "forbidden")
		}
		expect(t, h.do("GET", list+"?role=boss", r.outsider, nil), 403, "forbidden")
		expect(t, h.do("POST", add, "", map[string]any{"user_id": "x"}), 401, "")
		expect(t, h.do("POST", add, r.owner, map[string]any{"user_id": "x"}), 400, "validation_error")
	})
}

// TestMembers_AuthorizationEveryRole checks each new route for each kind of caller: the
// superadmin, the four roles, an admin of another organization and no token.
func TestMembers_AuthorizationEveryRole(t *testing.T) {
	h := sqlite(t)
	type want map[string]int // caller -> status
	type request struct {
		method, path string
		body         any
	}
	// fresh is a user of its own for each case and caller, so successes do not collide.
	fresh := func(r roles, caller string) string { return fmt.Sprintf("%s-%s@example.org", r.slug, caller) }
	// target is fresh, made a member of r's organization with role first.
	target := func(r roles, caller, role string) int64 {
		email := fresh(r, caller)
		h.mtConnect(r.orgID, email, role)
		return h.mtUserID(email)
	}
	cases := []struct {
		name  string
		setup func(r roles)
		req   func(r roles, caller string) request
		want  want
	}{
		{"list members", nil, func(r roles, _ string) request { return request{"GET", mtMembers(r.orgID), nil} },
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 200, "viewer": 200, "outsider": 403, "anonymous": 401}},
		{"add member", nil, func(r roles, c string) request {
			return request{"POST", mtMembers(r.orgID), map[string]any{"user_id": h.mtUserID(fresh(r, c)), "role": "viewer"}}
		}, want{"superadmin": 201, "owner": 201, "admin": 201, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"add admin", nil, func(r roles, c string) request {
			return request{"POST", mtMembers(r.orgID), map[string]any{"user_id": h.mtUserID(fresh(r, c)), "role": "admin"}}
		}, want{"superadmin": 201, "owner": 201, "admin": 201, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"add owner", nil, func(r roles, c string) request {
			return request{"POST", mtMembers(r.orgID), map[string]any{"user_id": h.mtUserID(fresh(r, c)), "role": "owner"}}
		}, want{"superadmin": 201, "owner": 201, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"change role", nil, func(r roles, c string) request {
			return request{"PATCH", mtMember(r.orgID, target(r, c, "viewer")), map[string]any{"role": "member"}}
		}, want{"superadmin": 200, "owner": 200, "admin": 200, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"promote to owner", nil, func(r roles, c string) request {
			return request{"PATCH", mtMember(r.orgID, target(r, c, "admin")), map[string]any{"role": "owner"}}
		}, want{"superadmin": 200, "owner": 200, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"demote an owner", nil, func(r roles, c string) request {
			return request{"PATCH", mtMember(r.orgID, target(r, c, "owner")), map[string]any{"role": "admin"}}
		}, want{"superadmin": 200, "owner": 200, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"remove member", nil, func(r roles, c string) request {
			return request{"DELETE", mtMember(r.orgID, target(r, c, "viewer")), nil}
		}, want{"superadmin": 204, "owner": 204, "admin": 204, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"remove an owner", nil, func(r roles, c string) request {
			return request{"DELETE", mtMember(r.orgID, target(r, c, "owner")), nil}
		}, want{"superadmin": 204, "owner": 204, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"leave", nil, func(r roles, _ string) request { return request{"DELETE", mtLeave(r.orgID), nil} },
			want{"superadmin": 404, "owner": 409, "admin": 204, "member": 204, "viewer": 204, "outsider": 403, "anonymous": 401}},
		{"join (joinable by example.com)", func(r roles) {
			h.verifiedDomain(r.orgID, "example.com")
			expect(t, h.do("PATCH", mtOrg(r.orgID), rootEmail, map[string]any{"settings": map[string]any{"allow_public_signup": true}}), 200, "")
		}, func(r roles, _ string) request { return request{"POST", mtJoin(r.orgID), nil} },
			want{"superadmin": 200, "owner": 409, "admin": 409, "member": 409, "viewer": 409, "outsider": 200, "anonymous": 401}},
		{"join (not joinable)", nil, func(r roles, _ string) request { return request{"POST", mtJoin(r.orgID), nil} },
			want{"superadmin": 403, "owner": 403, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"suggested organizations", nil, func(roles, string) request { return request{"GET", suggestedPath, nil} },
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 200, "viewer": 200, "outsider": 200, "anonymous": 401}},
		{"stats", nil, func(roles, string) request { return request{"GET", "/v1/stats", nil} },
			want{"superadmin": 200, "owner": 403, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"connect user as admin", nil, func(r roles, c string) request {
			email := fresh(r, c)
			h.mtUserID(email)
			return request{"POST", mtOrg(r.orgID) + "/connect-user", map[string]any{"email": email, "role": "admin"}}
		}, want{"superadmin": 200, "owner": 200, "admin": 200, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"connect user as owner", nil, func(r roles, c string) request {
			email := fresh(r, c)
			h.mtUserID(email)
			return request{"POST", mtOrg(r.orgID) + "/connect-user", map[string]any{"email": email, "role": "owner"}}
		}, want{"superadmin": 200, "owner": 200, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"default role admin", nil, func(r roles, _ string) request {
			return request{"PATCH", mtOrg(r.orgID), map[string]any{"settings": map[string]any{"default_role": "admin"}}}
		}, want{"superadmin": 200, "owner": 200, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
	}
	callers := []string{"anonymous", "outsider", "viewer", "member", "admin", "owner", "superadmin"}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			r := h.orgWithRoles(fmt.Sprintf("mauthz-%d", i))
			if c.setup != nil {
				c.setup(r)
			}
			emails := map[string]string{"superadmin": rootEmail, "owner": r.owner, "admin": r.admin,
				"member": r.member, "viewer": r.viewer, "outsider": r.outsider, "anonymous": ""}
			for _, caller := range callers {
				req := c.req(r, caller)
				got := h.do(req.method, req.path, emails[caller], req.body)
				if got.Status != c.want[caller] {
					t.Errorf("%s: got %d %s, want %d", caller, got.Status, got.Raw, c.want[caller])
				}
				if got.Status == 403 && got.errCode() != "forbidden" {
					t.Errorf("%s: 403 with code %s", caller, got.errCode())
				}
			}
		})
	}
}
