package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// A suspended or archived organization is closed to its members, whatever their role, on
// reads and writes alike; superadmins keep access (they reopen it), and an outsider is told
// only forbidden. Reopening gives access back at once.
func TestOrganizations_InactiveClosesToMembers(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("acme")
		org := fmt.Sprintf("/v1/organizations/%d", r.orgID)
		reads := []string{org, org + "/members", org + "/domains", "/v1/organizations/slug/acme"}
		for _, status := range []string{"suspended", "archived"} {
			expect(t, h.do("PATCH", org, rootEmail, map[string]any{"status": status}), 200, "")
			for _, who := range []string{r.owner, r.admin, r.member, r.viewer} {
				for _, path := range reads {
					res := h.do("GET", path, who, nil)
					expect(t, res, 403, "forbidden")
					if msg := res.Body["error"].(map[string]any)["message"].(string); !strings.Contains(msg, status) {
						t.Errorf("%s GET %s: message %q does not say %s", who, path, msg, status)
					}
				}
				expect(t, h.do("GET", org, who, nil, "X-Organization-ID", fmt.Sprint(r.orgID)), 403, "forbidden")
			}
			expect(t, h.do("PATCH", org, r.owner, map[string]any{"name": "Renamed"}), 403, "forbidden")
			res := h.do("GET", org, r.outsider, nil)
			expect(t, res, 403, "forbidden")
			if msg := res.Body["error"].(map[string]any)["message"].(string); strings.Contains(msg, status) {
				t.Errorf("an outsider learns the status: %q", msg)
			}
			for _, path := range reads {
				expect(t, h.do("GET", path, rootEmail, nil), 200, "")
			}
			expect(t, h.do("PATCH", org, rootEmail, map[string]any{"status": "active"}), 200, "")
			for _, who := range []string{r.owner, r.admin, r.member, r.viewer} {
				expect(t, h.do("GET", org, who, nil), 200, "")
			}
		}
	})
}
