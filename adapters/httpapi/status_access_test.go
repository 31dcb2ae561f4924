package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
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
			for _, query := range []string{"", "?status=" + status} { // nor listed to them
				list := h.do("GET", "/v1/organizations"+query, r.member, nil)
				expect(t, list, 200, "")
				if items := list.items(t, 0); len(items) != 0 || list.Body["meta"].(map[string]any)["total"] != float64(0) {
					t.Errorf("a member lists a %s organization: %v", status, list.Body)
				}
			}
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
			if items := h.do("GET", "/v1/organizations", r.member, nil).items(t, 1); items[0].(map[string]any)["id"] != float64(r.orgID) {
				t.Errorf("reopened, the organization is not listed: %v", items)
			}
		}
	})
}

// An email moved by the operator (`orgkit users relink`) takes its superadmin standing from
// the former holder at once, though the holder's token still claims the address.
func TestRelinkEmail_FormerHolderLosesSuperadminAtOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		expect(t, h.do("GET", "/v1/stats", rootEmail, nil), 200, "")
		heir := h.claims(jwt.MapClaims{"sub": "heir", "exp": time.Now().Add(time.Hour).Unix()})
		expect(t, h.doToken("GET", "/v1/me", heir, nil), 200, "")
		if _, err := h.svc.RelinkEmail(context.Background(), rootEmail, "heir"); err != nil {
			t.Fatal(err)
		}
		expect(t, h.do("GET", "/v1/stats", rootEmail, nil), 403, "forbidden")
		expect(t, h.doToken("GET", "/v1/stats", heir, nil), 200, "")
	})
}
