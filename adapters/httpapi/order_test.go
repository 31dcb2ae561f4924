package httpapi_test

import (
	"fmt"
	"testing"
)

// TestOrder_AuthorizationBeforeValidationBeforeLimits: authentication, then existence and
// authorization, then validation, then the rate limit. An outsider is told 403 whatever it
// sends and however often; a missing organization is 404; a refused call spends no quota.
func TestOrder_AuthorizationBeforeValidationBeforeLimits(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("acme")
		org := fmt.Sprintf("/v1/organizations/%d", r.orgID)
		bad := []struct {
			method, path string
			body         any
		}{
			{"PATCH", org, map[string]any{"name": 5, "color": "red"}},
			{"PATCH", org, `not json`},
			{"POST", org + "/connect-user", map[string]any{"email": "not an email"}},
			{"POST", org + "/api-keys", map[string]any{"title": ""}},
			{"PATCH", org + "/api-keys/1", map[string]any{"id": 3}},
			{"PATCH", org + "/api-keys/abc", map[string]any{"title": "x"}},
			{"DELETE", org + "/api-keys/0", nil},
			{"GET", org + "/audit-logs?page=0&actor=%00", nil},
			{"GET", "/v1/audit-logs?page_size=1000", nil},
			{"POST", "/v1/organizations", map[string]any{"slug": "NOPE"}},
		}
		for _, b := range bad {
			t.Run(b.method+" "+b.path, func(t *testing.T) {
				who := r.outsider
				if b.path == "/v1/audit-logs?page_size=1000" || b.path == "/v1/organizations" {
					who = r.owner // not a superadmin
				}
				expect(t, h.do(b.method, b.path, who, b.body), 403, "forbidden")
				expect(t, h.do(b.method, b.path, "", b.body), 401, "unauthorized")
			})
		}
		// Bad input to a missing organization is 404, not 400.
		expect(t, h.do("PATCH", "/v1/organizations/999999", r.admin, map[string]any{"name": 5}), 404, "organization_not_found")

		connect := org + "/connect-user"
		for i := 0; i < 60; i++ { // beyond the 50-per-hour limit
			expect(t, h.do("POST", connect, r.outsider, map[string]any{"email": "x@example.com"}), 403, "forbidden")
			expect(t, h.do("POST", connect, r.admin, map[string]any{"email": "not an email"}), 400, "validation_error")
			expect(t, h.do("POST", "/v1/organizations/999999/connect-user", r.admin, map[string]any{"email": "x@example.com"}), 404, "organization_not_found")
		}
		for i := 0; i < 20; i++ { // beyond the 10-per-minute limit
			expect(t, h.do("GET", org+"/api-keys", r.member, nil), 403, "forbidden")
			expect(t, h.do("GET", "/v1/organizations/999999/api-keys", r.admin, nil), 404, "organization_not_found")
		}
		// None of that spent the admin's quota.
		expect(t, h.do("GET", "/v1/me", "late@example.com", nil), 200, "")
		res := h.do("POST", connect, r.admin, map[string]any{"email": "late@example.com"})
		expect(t, res, 200, "")
		if res.Header.Get("RateLimit-Remaining") != "49" {
			t.Fatalf("connect quota left %q, want 49", res.Header.Get("RateLimit-Remaining"))
		}
		res = h.do("GET", org+"/api-keys", r.admin, nil)
		expect(t, res, 200, "")
		if res.Header.Get("RateLimit-Remaining") != "9" {
			t.Fatalf("reveal quota left %q, want 9", res.Header.Get("RateLimit-Remaining"))
		}
	})
}
