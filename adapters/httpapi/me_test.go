package httpapi_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

func TestMe(t *testing.T) {
	h := sqlite(t)
	r := h.do("GET", "/v1/me", "ann@example.com", nil)
	expect(t, r, 200, "")
	d := r.data()
	if d["email"] != "ann@example.com" || d["subject"] != "sub|ann@example.com" || d["is_superadmin"] != false ||
		fmt.Sprint(d["organization_ids"]) != "[]" || d["current_organization_id"] != nil || id(d["id"]) <= 0 {
		t.Errorf("me %s", r.Raw)
	}
	if root := h.do("GET", "/v1/me", rootEmail, nil).data(); root["is_superadmin"] != true {
		t.Errorf("configured superadmin is not one: %v", root)
	}
	expect(t, h.do("GET", "/v1/me", "", nil), 401, "unauthorized")
}

// TestMe_ProvisioningRace: twenty concurrent first requests of one identity make one user.
func TestMe_ProvisioningRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ids := make([]any, 20)
		tok := h.token("first@example.com")
		var wg sync.WaitGroup
		for i := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body, err := h.send("GET", "/v1/me", tok, nil)
				if err != nil || code != 200 {
					t.Errorf("me %d: %d %s %v", i, code, body, err)
					return
				}
				var me struct {
					Data struct {
						ID any `json:"id"`
					} `json:"data"`
				}
				if err := json.Unmarshal([]byte(body), &me); err != nil {
					t.Errorf("me %d: %v in %s", i, err, body)
					return
				}
				ids[i] = me.Data.ID
			}()
		}
		wg.Wait()
		for _, v := range ids {
			if v == nil || v != ids[0] {
				t.Fatalf("ids %v", ids)
			}
		}
	})
}

func TestMe_SwitchOrganization(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("acme")
	second := h.createOrg("second")
	h.connect(second, r.member, "member")
	me := h.do("GET", "/v1/me", r.member, nil).data()
	if id(me["current_organization_id"]) != r.orgID || fmt.Sprint(me["organization_ids"]) != fmt.Sprintf("[%d %d]", r.orgID, second) {
		t.Fatalf("before switch %v", me)
	}
	res := h.do("PUT", "/v1/me/switch-organization", r.member, map[string]any{"organization_id": second})
	expect(t, res, 200, "")
	if id(res.data()["current_organization_id"]) != second {
		t.Errorf("after switch %s", res.Raw)
	}
	expect(t, h.do("PUT", "/v1/me/switch-organization", r.outsider, map[string]any{"organization_id": r.orgID}), 403, "forbidden")
	expect(t, h.do("PUT", "/v1/me/switch-organization", r.member, map[string]any{"organization_id": 999}), 404, "organization_not_found")
	for _, body := range []any{map[string]any{}, map[string]any{"organization_id": "1"}, map[string]any{"organization_id": 0}, "nope"} {
		expect(t, h.do("PUT", "/v1/me/switch-organization", r.member, body), 400, "validation_error")
	}
}
