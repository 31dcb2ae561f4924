package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func actions(r response) []string {
	var out []string
	for _, rec := range r.Body["data"].([]any) {
		out = append(out, rec.(map[string]any)["action"].(string))
	}
	return out
}

func TestAuditLogs_RecordsEveryMutation(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("audited")
		path := fmt.Sprintf("/v1/organizations/%d", r.orgID)
		ua := []string{"X-Request-ID", "req-patch-1", "User-Agent", "orgkit-test/1.0"}
		expect(t, h.do("PATCH", path, r.admin, map[string]any{"tagline": "New", "website": "https://a.example"}, ua...), 200, "")
		keyID := h.createKey(r.orgID, r.admin, "Prod", secret)
		expect(t, h.do("PATCH", fmt.Sprintf("%s/%d", keysPath(r.orgID), keyID), r.admin, map[string]any{"api_key": "sk_new_1234"}), 200, "")
		expect(t, h.do("GET", keysPath(r.orgID), r.admin, nil), 200, "")
		expect(t, h.do("DELETE", fmt.Sprintf("%s/%d", keysPath(r.orgID), keyID), r.admin, nil), 204, "")
		expect(t, h.do("PUT", "/v1/me/switch-organization", r.viewer, map[string]any{"organization_id": r.orgID}), 200, "")

		res := h.do("GET", path+"/audit-logs", r.owner, nil)
		expect(t, res, 200, "")
		want := "[user.organization_switched api_key.deleted api_keys.revealed api_key.updated api_key.created organization.updated " +
			"member.connected organization.updated member.connected organization.updated member.connected organization.updated organization.created]"
		if got := fmt.Sprint(actions(res)); got != want {
			t.Fatalf("actions\n got %s\nwant %s", got, want)
		}
		if fmt.Sprint(res.Body["meta"]) != "map[page:1 page_size:25 total:13 total_pages:1]" {
			t.Errorf("meta %v", res.Body["meta"])
		}
		patch := h.do("GET", path+"/audit-logs?"+url.Values{"action": {"organization.updated"}, "actor": {r.admin}}.Encode(), r.owner, nil)
		rec := patch.items(t, 1)[0].(map[string]any)
		if rec["request_id"] != "req-patch-1" || rec["user_agent"] != "orgkit-test/1.0" || rec["ip"] != "127.0.0.1" ||
			rec["actor_email"] != r.admin || fmt.Sprint(rec["changes"]) != "[tagline website]" || id(rec["organization_id"]) != r.orgID ||
			len(rec["hash"].(string)) != 64 || rec["target_type"] != "organization" {
			t.Errorf("record %v", rec)
		}
		rotated := h.do("GET", path+"/audit-logs?action=api_key.updated", r.owner, nil).items(t, 1)[0].(map[string]any)
		if fmt.Sprint(rotated["changes"]) != "[api_key]" {
			t.Errorf("rotation changes %v", rotated["changes"])
		}
	})
}

func TestAuditLogs_FiltersAndValidation(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("filters")
	path := fmt.Sprintf("/v1/organizations/%d/audit-logs", r.orgID)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	ownerID := h.do("GET", "/v1/me", r.owner, nil).data()["id"]
	rootID := h.do("GET", "/v1/me", rootEmail, nil).data()["id"]
	for q, want := range map[string][2]int{ // total, items on the page
		"":                                    {7, 7},
		"?action=member.connected":            {3, 3},
		"?action=nothing.happened":            {0, 0},
		"?from=" + future:                     {0, 0},
		"?to=" + past:                         {0, 0},
		"?from=" + past + "&to=" + future:     {7, 7},
		"?page=2&page_size=5":                 {7, 2},
		"?actor=" + url.QueryEscape(r.owner):  {1, 1},
		"?actor=" + strings.ToUpper(r.owner):  {1, 1},
		fmt.Sprintf("?actor=%v", ownerID):     {1, 1},
		fmt.Sprintf("?actor=%v", rootID):      {6, 6},
		"?actor=nobody%40example.com":         {0, 0},
		"?actor=9999&action=member.connected": {0, 0},
	} {
		res := h.do("GET", path+q, r.admin, nil)
		expect(t, res, 200, "")
		if total := res.Body["meta"].(map[string]any)["total"]; total != float64(want[0]) {
			t.Errorf("%q: total %v, want %d", q, total, want[0])
		}
		if n := len(res.Body["data"].([]any)); n != want[1] {
			t.Errorf("%q: %d items, want %d", q, n, want[1])
		}
	}
	for _, q := range []string{"?from=yesterday", "?to=2025-13-01", "?actor=not%20an%20email", "?page=0", "?page_size=500"} {
		expect(t, h.do("GET", path+q, r.admin, nil), 400, "validation_error")
	}
	for _, who := range []string{r.member, r.viewer, r.outsider} {
		expect(t, h.do("GET", path, who, nil), 403, "forbidden")
	}
	expect(t, h.do("GET", path, r.owner, nil), 200, "")
	expect(t, h.do("GET", path, rootEmail, nil), 200, "")
	expect(t, h.do("GET", path, "", nil), 401, "unauthorized")
	expect(t, h.do("GET", "/v1/organizations/999/audit-logs", rootEmail, nil), 404, "organization_not_found")
}

func TestAuditLogs_AllForSuperadmins(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("all")
	if _, err := h.svc.SetSuperadmin(t.Context(), r.member, true); err != nil {
		t.Fatal(err)
	}
	res := h.do("GET", "/v1/audit-logs?action=superadmin.granted", rootEmail, nil)
	expect(t, res, 200, "")
	// orgWithRoles granted and revoked the owner; this test granted the member.
	if fmt.Sprint(actions(res)) != "[superadmin.granted superadmin.granted]" {
		t.Fatalf("platform records %s", res.Raw)
	}
	rec := res.Body["data"].([]any)[0].(map[string]any)
	if rec["organization_id"] != nil || rec["actor_user_id"] != nil {
		t.Errorf("CLI grant record %v", rec)
	}
	scoped := h.do("GET", fmt.Sprintf("/v1/audit-logs?organization_id=%d", r.orgID), rootEmail, nil)
	if scoped.Body["meta"].(map[string]any)["total"] != float64(7) {
		t.Errorf("scoped total %v", scoped.Body["meta"])
	}
	scoped.items(t, 7)
	expect(t, h.do("GET", "/v1/audit-logs?organization_id=x", rootEmail, nil), 400, "validation_error")
	for _, who := range []string{r.owner, r.admin, r.viewer} {
		expect(t, h.do("GET", "/v1/audit-logs", who, nil), 403, "forbidden")
	}
	// The member granted above is a superadmin now.
	expect(t, h.do("GET", "/v1/audit-logs", r.member, nil), 200, "")
}
