package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestAuthorization_EveryRole checks each endpoint for each kind of caller: the superadmin,
// the four roles, an admin of another organization (tenant isolation) and no token.
func TestAuthorization_EveryRole(t *testing.T) {
	h := sqlite(t)
	type want map[string]int // caller -> status
	cases := []struct {
		name   string
		method string
		path   string // %d is the organization id, %s its slug
		body   func(caller string) any
		want   want
	}{
		{"get", "GET", "/v1/organizations/%d", nil,
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 200, "viewer": 200, "outsider": 403, "anonymous": 401}},
		{"get by slug", "GET", "/v1/organizations/slug/%s", nil,
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 200, "viewer": 200, "outsider": 403, "anonymous": 401}},
		{"update", "PATCH", "/v1/organizations/%d", func(string) any { return map[string]any{"tagline": "new"} },
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"update status", "PATCH", "/v1/organizations/%d", func(string) any { return map[string]any{"status": "suspended"} },
			want{"superadmin": 200, "owner": 403, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"connect user", "POST", "/v1/organizations/%d/connect-user", func(c string) any { return map[string]any{"email": "new-" + c + "@example.com"} },
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
		{"switch", "PUT", "/v1/me/switch-organization", nil,
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 200, "viewer": 200, "outsider": 403, "anonymous": 401}},
		{"delete", "DELETE", "/v1/organizations/%d", nil,
			want{"owner": 403, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401, "superadmin": 204}},
		{"create", "POST", "/v1/organizations", func(c string) any { return map[string]any{"name": "New", "slug": "new-" + c} },
			want{"superadmin": 201, "owner": 403, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}},
	}
	callers := []string{"anonymous", "outsider", "viewer", "member", "admin", "owner", "superadmin"} // superadmin last: it may delete
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			r := h.orgWithRoles(fmt.Sprintf("authz-%d", i))
			emails := map[string]string{"superadmin": rootEmail, "owner": r.owner, "admin": r.admin,
				"member": r.member, "viewer": r.viewer, "outsider": r.outsider, "anonymous": ""}
			path := c.path
			switch {
			case strings.Contains(path, "%d"):
				path = fmt.Sprintf(path, r.orgID)
			case strings.Contains(path, "%s"):
				path = fmt.Sprintf(path, r.slug)
			}
			for _, caller := range callers {
				// New-user emails for connect must exist: provision them first.
				var body any
				if c.body != nil {
					body = c.body(caller)
					if m, ok := body.(map[string]any); ok && m["email"] != nil {
						expect(t, h.do("GET", "/v1/me", m["email"].(string), nil), 200, "")
					}
				}
				if c.name == "switch" {
					body = map[string]any{"organization_id": r.orgID}
				}
				got := h.do(c.method, path, emails[caller], body)
				if got.Status != c.want[caller] {
					t.Errorf("%s: got %d %s, want %d", caller, got.Status, got.Raw, c.want[caller])
				}
			}
		})
	}
}

// TestAuthorization_ListIsTenantScoped: members see their own organizations only.
func TestAuthorization_ListIsTenantScoped(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("scoped")
	list := func(email string) []string {
		res := h.do("GET", "/v1/organizations", email, nil)
		expect(t, res, 200, "")
		var slugs []string
		for _, o := range res.Body["data"].([]any) {
			slugs = append(slugs, o.(map[string]any)["slug"].(string))
		}
		return slugs
	}
	if got := fmt.Sprint(list(r.viewer)); got != "[scoped]" {
		t.Errorf("viewer sees %s", got)
	}
	if got := fmt.Sprint(list(r.outsider)); got != "[other-scoped]" {
		t.Errorf("outsider sees %s", got)
	}
	if got := fmt.Sprint(list(rootEmail)); got != "[other-scoped scoped]" {
		t.Errorf("superadmin sees %s", got)
	}
	if got := list("stranger@example.com"); len(got) != 0 {
		t.Errorf("stranger sees %v", got)
	}
}
