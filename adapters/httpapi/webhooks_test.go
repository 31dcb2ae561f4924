package httpapi_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/app"
)

// endpointKeys are the keys of a webhook endpoint as the API shows it, secret aside.
const endpointKeys = "created_at description disabled disabled_reason event_types failing_since id organization_id secret_rotated_until updated_at url"

// endpointSecretKeys are the keys of the create and rotate answers.
const endpointSecretKeys = "created_at description disabled disabled_reason event_types failing_since id organization_id secret secret_rotated_until updated_at url"

const deliveryKeys = "attempt_log attempts created_at event_id event_type id next_attempt_at status updated_at"

// epBase is the endpoints route of an organization, or of the platform when orgID is 0.
func epBase(orgID int64) string {
	if orgID == 0 {
		return "/v1/webhook-endpoints"
	}
	return fmt.Sprintf("/v1/organizations/%d/webhook-endpoints", orgID)
}

func epPath(orgID, endpointID int64) string { return fmt.Sprintf("%s/%d", epBase(orgID), endpointID) }

func retryPath(orgID, endpointID, deliveryID int64) string {
	return fmt.Sprintf("%s/deliveries/%d/retry", epPath(orgID, endpointID), deliveryID)
}

// addEndpoint creates an endpoint of orgID (0: the platform's) as email and returns its id
// and secret.
func (h *harness) addEndpoint(orgID int64, email string, body map[string]any) (int64, string) {
	h.t.Helper()
	r := h.do("POST", epBase(orgID), email, body)
	expect(h.t, r, 201, "")
	return id(r.data()["id"]), r.data()["secret"].(string)
}

// testDelivery queues a webhook.test for the endpoint and returns the delivery's id.
func (h *harness) testDelivery(orgID, endpointID int64) int64 {
	h.t.Helper()
	r := h.do("POST", epPath(orgID, endpointID)+"/test", rootEmail, nil)
	expect(h.t, r, 202, "")
	return id(r.data()["id"])
}

// checkSecret fails unless s is a Standard Webhooks secret: whsec_ and base64 of 32 bytes.
func checkSecret(t testing.TB, s any) string {
	t.Helper()
	str, _ := s.(string)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(str, "whsec_"))
	if !strings.HasPrefix(str, "whsec_") || err != nil || len(raw) != 32 {
		t.Fatalf("secret %q is not whsec_ and base64 of 32 bytes", str)
	}
	return str
}

// withoutSecret is an endpoint answer's data without its secret.
func withoutSecret(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != "secret" {
			out[k] = v
		}
	}
	return out
}

func TestWebhookEndpoints_Lifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("hooks")
		for _, owner := range []struct {
			name   string
			orgID  int64
			caller string
		}{{"organization", r.orgID, r.admin}, {"platform", 0, rootEmail}} {
			t.Run(owner.name, func(t *testing.T) {
				h.t = t
				base := epBase(owner.orgID)
				created := h.do("POST", base, owner.caller, map[string]any{"url": "https://hooks.example/in?tenant=1",
					"event_types": []string{"member.added", "domain.verified"}, "description": "CRM sync"})
				expect(t, created, 201, "")
				d := created.data()
				if keys(created.Body) != "data" || keys(d) != endpointSecretKeys || created.Header.Get("Cache-Control") != "no-store" {
					t.Fatalf("create: %v %s", created.Header, created.Raw)
				}
				first := checkSecret(t, d["secret"])
				wantOrg := any(float64(owner.orgID))
				if owner.orgID == 0 {
					wantOrg = nil
				}
				if d["organization_id"] != wantOrg || d["url"] != "https://hooks.example/in?tenant=1" || d["description"] != "CRM sync" ||
					fmt.Sprint(d["event_types"]) != "[member.added domain.verified]" || d["disabled"] != false ||
					d["disabled_reason"] != nil || d["failing_since"] != nil || d["secret_rotated_until"] != nil ||
					!mtRecent(d["created_at"]) || d["updated_at"] != d["created_at"] {
					t.Fatalf("create: %s", created.Raw)
				}
				epID := id(d["id"])
				path := epPath(owner.orgID, epID)

				got := h.do("GET", path, owner.caller, nil)
				expect(t, got, 200, "")
				if keys(got.Body) != "data" || fmt.Sprint(got.data()) != fmt.Sprint(withoutSecret(d)) {
					t.Fatalf("get %s, want the created endpoint without its secret", got.Raw)
				}
				list := h.do("GET", base, owner.caller, nil)
				expect(t, list, 200, "")
				if keys(list.Body) != "data" || fmt.Sprint(list.items(t, 1)[0]) != fmt.Sprint(withoutSecret(d)) {
					t.Fatalf("list %s", list.Raw)
				}

				patched := h.do("PATCH", path, owner.caller, map[string]any{"url": "https://hooks.example/v2", "event_types": []string{},
					"description": "", "disabled": true})
				expect(t, patched, 200, "")
				p := patched.data()
				if keys(p) != endpointKeys || p["url"] != "https://hooks.example/v2" || fmt.Sprint(p["event_types"]) != "[]" ||
					p["description"] != "" || p["disabled"] != true || p["disabled_reason"] != nil || p["created_at"] != d["created_at"] {
					t.Fatalf("patch: %s", patched.Raw)
				}
				same := h.do("PATCH", path, owner.caller, map[string]any{})
				expect(t, same, 200, "")
				if fmt.Sprint(same.data()) != fmt.Sprint(p) {
					t.Errorf("an empty patch changed %s into %s", patched.Raw, same.Raw)
				}
				// Enabled again for member.added only: its own changes below queue no delivery.
				expect(t, h.do("PATCH", path, owner.caller, map[string]any{"disabled": false, "event_types": []string{"member.added"}}), 200, "")

				rotated := h.do("POST", path+"/rotate-secret", owner.caller, nil)
				expect(t, rotated, 200, "")
				rd := rotated.data()
				second := checkSecret(t, rd["secret"])
				until, err := time.Parse(time.RFC3339, fmt.Sprint(rd["secret_rotated_until"]))
				if keys(rd) != endpointSecretKeys || second == first || err != nil || rotated.Header.Get("Cache-Control") != "no-store" ||
					time.Until(until) < 24*time.Hour-time.Minute || time.Until(until) > 24*time.Hour+time.Minute {
					t.Fatalf("rotate: %s", rotated.Raw)
				}
				after := h.do("GET", path, owner.caller, nil)
				if keys(after.data()) != endpointKeys || after.data()["secret_rotated_until"] != rd["secret_rotated_until"] {
					t.Fatalf("get after rotate: %s", after.Raw)
				}

				tested := h.do("POST", path+"/test", owner.caller, nil)
				expect(t, tested, 202, "")
				td := tested.data()
				if keys(tested.Body) != "data" || keys(td) != deliveryKeys || td["event_type"] != "webhook.test" ||
					!strings.HasPrefix(fmt.Sprint(td["event_id"]), "evt_") || td["status"] != "pending" || td["attempts"] != 0.0 ||
					!mtRecent(td["next_attempt_at"]) || fmt.Sprint(td["attempt_log"]) != "[]" || !mtRecent(td["created_at"]) {
					t.Fatalf("test: %s", tested.Raw)
				}
				deliveries := h.do("GET", path+"/deliveries", owner.caller, nil)
				expect(t, deliveries, 200, "")
				if keys(deliveries.Body) != "data meta" || fmt.Sprint(deliveries.items(t, 1)[0]) != fmt.Sprint(td) ||
					fmt.Sprint(deliveries.Body["meta"]) != "map[page:1 page_size:25 total:1 total_pages:1]" {
					t.Fatalf("deliveries: %s", deliveries.Raw)
				}
				retried := h.do("POST", retryPath(owner.orgID, epID, id(td["id"])), owner.caller, nil)
				expect(t, retried, 202, "")
				if keys(retried.data()) != deliveryKeys || retried.data()["id"] != td["id"] || retried.data()["status"] != "pending" {
					t.Fatalf("retry: %s", retried.Raw)
				}

				// The secrets are nowhere but in the two answers: not in the events, the rows, the logs.
				events := "/v1/events?page_size=100"
				if owner.orgID != 0 {
					events = fmt.Sprintf("/v1/organizations/%d/events?page_size=100", owner.orgID)
				}
				stream := h.do("GET", events, rootEmail, nil)
				expect(t, stream, 200, "")
				for _, s := range []string{first, second, strings.TrimPrefix(first, "whsec_"), strings.TrimPrefix(second, "whsec_")} {
					for where, text := range map[string]string{"events": string(stream.Raw), "endpoint rows": h.dump("orgkit_webhook_endpoints"),
						"event rows": h.dump("orgkit_events"), "audit rows": h.dump("orgkit_audit_logs"), "logs": h.logs.String()} {
						if strings.Contains(text, s) {
							t.Errorf("%s hold a signing secret", where)
						}
					}
				}

				expect(t, h.do("DELETE", path, owner.caller, nil), 204, "")
				expect(t, h.do("GET", path, owner.caller, nil), 404, "webhook_endpoint_not_found")
				expect(t, h.do("DELETE", path, owner.caller, nil), 404, "webhook_endpoint_not_found")
				expect(t, h.do("GET", path+"/deliveries", owner.caller, nil), 404, "webhook_endpoint_not_found")
				h.do("GET", base, owner.caller, nil).items(t, 0)
			})
		}
	})
}

// TestWebhookEndpoints_EndpointEvents: every change to an endpoint is an event whose data is
// the endpoint as GET shows it, never its secret.
func TestWebhookEndpoints_EndpointEvents(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("evented")
	epID, secret := h.addEndpoint(orgID, rootEmail, map[string]any{"url": "https://hooks.example/in"})
	expect(t, h.do("PATCH", epPath(orgID, epID), rootEmail, map[string]any{"description": "x"}), 200, "")
	rotated := h.do("POST", epPath(orgID, epID)+"/rotate-secret", rootEmail, nil)
	expect(t, rotated, 200, "")
	shown := withoutSecret(rotated.data())
	expect(t, h.do("DELETE", epPath(orgID, epID), rootEmail, nil), 204, "")

	res := h.do("GET", fmt.Sprintf("/v1/organizations/%d/events?page_size=4", orgID), rootEmail, nil)
	expect(t, res, 200, "")
	var types []string
	for _, it := range res.items(t, 4) {
		e := it.(map[string]any)
		types = append(types, e["type"].(string))
		if keys(e["data"].(map[string]any)) != endpointKeys {
			t.Errorf("%s data %v", e["type"], e["data"])
		}
	}
	if fmt.Sprint(types) != "[webhook_endpoint.deleted webhook_endpoint.secret_rotated webhook_endpoint.updated webhook_endpoint.created]" {
		t.Errorf("types %v", types)
	}
	if got := res.Body["data"].([]any)[1].(map[string]any)["data"]; fmt.Sprint(got) != fmt.Sprint(shown) {
		t.Errorf("secret_rotated data %v, want the endpoint as shown %v", got, shown)
	}
	if strings.Contains(string(res.Raw), strings.TrimPrefix(secret, "whsec_")) || strings.Contains(string(res.Raw), `"secret"`) {
		t.Errorf("events carry a secret: %s", res.Raw)
	}
}

func TestWebhookEndpoints_Validation(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("strict")
		epID, _ := h.addEndpoint(orgID, rootEmail, map[string]any{"url": "https://hooks.example/in"})
		base, path := epBase(orgID), epPath(orgID, epID)
		tooMany := make([]string, 65)
		for i := range tooMany {
			tooMany[i] = "member.added"
		}
		ok := "https://hooks.example/in"
		for _, c := range []struct {
			method, path string
			body         any
			fields       string
		}{
			{"POST", base, map[string]any{}, "[url]"},
			{"POST", base, map[string]any{"url": nil}, "[url]"},
			{"POST", base, map[string]any{"url": 5}, "[url]"},
			{"POST", base, map[string]any{"url": ""}, "[url]"},
			{"POST", base, map[string]any{"url": "ftp://x"}, "[url]"},
			{"POST", base, map[string]any{"url": "hooks.example/in"}, "[url]"},
			{"POST", base, map[string]any{"url": "https://user:pw@hooks.example/"}, "[url]"},
			{"POST", base, map[string]any{"url": "https://hooks.example/#frag"}, "[url]"},
			{"POST", base, map[string]any{"url": "https://hooks.example/\u0000"}, "[url]"},
			{"POST", base, map[string]any{"url": "https://hooks.example/" + strings.Repeat("a", 2100)}, "[url]"},
			{"POST", base, map[string]any{"url": ok, "event_types": []string{"nope"}}, "[event_types]"},
			{"POST", base, map[string]any{"url": ok, "event_types": []string{"webhook.test"}}, "[event_types]"},
			{"POST", base, map[string]any{"url": ok, "event_types": "member.added"}, "[event_types]"},
			{"POST", base, map[string]any{"url": ok, "event_types": []any{1}}, "[event_types]"},
			{"POST", base, map[string]any{"url": ok, "event_types": tooMany}, "[event_types]"},
			{"POST", base, map[string]any{"url": ok, "description": strings.Repeat("d", 501)}, "[description]"},
			{"POST", base, map[string]any{"url": ok, "description": "nul \u0000 byte"}, "[description]"},
			{"POST", base, map[string]any{"url": ok, "description": 5}, "[description]"},
			{"POST", base, map[string]any{"url": ok, "disabled": "yes"}, "[disabled]"},
			{"POST", base, map[string]any{"url": ok, "secret": "whsec_mine"}, "[secret]"},
			{"POST", base, map[string]any{"url": ok, "id": 4, "organization_id": 9}, "[id organization_id]"},
			{"POST", base, map[string]any{"url": ok, "events": []string{}}, "[events]"},
			{"POST", base, "[1]", "[body]"},
			{"PATCH", path, map[string]any{"url": nil}, "[url]"},
			{"PATCH", path, map[string]any{"event_types": nil}, "[event_types]"},
			{"PATCH", path, map[string]any{"description": nil}, "[description]"},
			{"PATCH", path, map[string]any{"disabled": nil}, "[disabled]"},
			{"PATCH", path, map[string]any{"disabled": "no"}, "[disabled]"},
			{"PATCH", path, map[string]any{"url": "ftp://x"}, "[url]"},
			{"PATCH", path, map[string]any{"event_types": []string{"organization.created", "member.nope"}}, "[event_types]"},
			{"PATCH", path, map[string]any{"description": "tab\tok but nul \u0000 not"}, "[description]"},
			{"PATCH", path, map[string]any{"secret": "x", "created_at": "2030-01-01T00:00:00Z"}, "[secret created_at]"},
			{"PATCH", path, map[string]any{"colour": "red"}, "[colour]"},
			{"GET", base + "/abc", nil, "[endpointId]"},
			{"GET", base + "/0", nil, "[endpointId]"},
			{"DELETE", base + "/-1", nil, "[endpointId]"},
			{"GET", "/v1/webhook-endpoints/04", nil, "[endpointId]"},
			{"POST", path + "/deliveries/abc/retry", nil, "[deliveryId]"},
			{"GET", "/v1/organizations/abc/webhook-endpoints", nil, "[id]"},
			{"GET", path + "/deliveries?status=lost", nil, "[status]"},
			{"GET", path + "/deliveries?page=0&page_size=101", nil, "[page page_size]"},
		} {
			res := h.do(c.method, c.path, rootEmail, c.body)
			expect(t, res, 400, "validation_error")
			if got := fmt.Sprint(res.fields()); got != c.fields {
				t.Errorf("%s %s %v: fields %s, want %s", c.method, c.path, c.body, got, c.fields)
			}
		}
		expect(t, h.do("POST", base, rootEmail, "url=x", "Content-Type", "text/plain"), 415, "unsupported_media_type")
		// Nothing refused was stored or changed.
		list := h.do("GET", base, rootEmail, nil).items(t, 1)[0].(map[string]any)
		if list["url"] != ok || list["description"] != "" || fmt.Sprint(list["event_types"]) != "[]" || list["disabled"] != false {
			t.Errorf("after refused requests: %v", list)
		}
		// At the bounds: accepted.
		edge := h.do("POST", base, rootEmail, map[string]any{"url": "http://127.0.0.1:9/hook", "description": strings.Repeat("é", 500),
			"event_types": tooMany[:64], "disabled": nil})
		expect(t, edge, 201, "")
	})
}

// TestWebhookEndpoints_PrivateTargets: without ORGKIT_WEBHOOK_ALLOW_PRIVATE only https to
// public addresses is accepted.
func TestWebhookEndpoints_PrivateTargets(t *testing.T) {
	h := newHarnessWith(t, gormstore.SQLite, func(c *app.Config) { c.Webhooks.AllowPrivate = false })
	orgID := h.createOrg("public-only")
	for _, u := range []string{"http://hooks.example/in", "https://127.0.0.1/", "https://[::1]:8443/", "https://10.1.2.3/",
		"https://169.254.169.254/latest/meta-data", "https://localhost/", "https://192.168.0.10/", "https://[::ffff:127.0.0.1]/"} {
		for _, owner := range []int64{orgID, 0} {
			res := h.do("POST", epBase(owner), rootEmail, map[string]any{"url": u})
			expect(t, res, 400, "validation_error")
			if fmt.Sprint(res.fields()) != "[url]" {
				t.Errorf("%s: %s", u, res.Raw)
			}
		}
	}
	epID, _ := h.addEndpoint(orgID, rootEmail, map[string]any{"url": "https://hooks.example/in"})
	res := h.do("PATCH", epPath(orgID, epID), rootEmail, map[string]any{"url": "https://127.0.0.1/"})
	expect(t, res, 400, "validation_error")
	if fmt.Sprint(res.fields()) != "[url]" {
		t.Errorf("patch: %s", res.Raw)
	}
	if got := h.do("GET", epPath(orgID, epID), rootEmail, nil).data()["url"]; got != "https://hooks.example/in" {
		t.Errorf("url %v after a refused patch", got)
	}
}

func TestWebhookEndpoints_NotFound(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("lost")
	epID, _ := h.addEndpoint(orgID, rootEmail, map[string]any{"url": "https://hooks.example/in"})
	deliveryID := h.testDelivery(orgID, epID)
	for _, owner := range []int64{orgID, 0} {
		missing := epPath(owner, 999)
		for _, c := range []struct{ method, path string }{
			{"GET", missing}, {"PATCH", missing}, {"DELETE", missing}, {"POST", missing + "/rotate-secret"},
			{"POST", missing + "/test"}, {"GET", missing + "/deliveries"}, {"POST", retryPath(owner, 999, deliveryID)},
		} {
			var body any
			if c.method == "PATCH" {
				body = map[string]any{"description": "x"}
			}
			expect(t, h.do(c.method, c.path, rootEmail, body), 404, "webhook_endpoint_not_found")
		}
	}
	expect(t, h.do("POST", retryPath(orgID, epID, 999), rootEmail, nil), 404, "webhook_delivery_not_found")
	for _, c := range []struct{ method, path string }{
		{"GET", epBase(99999)}, {"POST", epBase(99999)}, {"GET", epPath(99999, epID)}, {"GET", "/v1/organizations/99999/events"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{"url": "https://hooks.example/in"}
		}
		expect(t, h.do(c.method, c.path, rootEmail, body), 404, "organization_not_found")
	}
}

func TestWebhookEndpoints_VaultUnavailable(t *testing.T) {
	h := newHarness(t, gormstore.SQLite, noVault)
	orgID := h.createOrg("novault")
	for _, owner := range []int64{orgID, 0} {
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", epBase(owner), map[string]any{"url": "https://hooks.example/in"}},
			{"PATCH", epPath(owner, 1), map[string]any{"disabled": true}},
			{"DELETE", epPath(owner, 1), nil},
			{"POST", epPath(owner, 1) + "/rotate-secret", nil},
			{"POST", epPath(owner, 1) + "/test", nil},
			{"POST", retryPath(owner, 1, 1), nil},
		} {
			res := h.do(c.method, c.path, rootEmail, c.body)
			expect(t, res, 503, "vault_unavailable")
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("%s %s: no Retry-After", c.method, c.path)
			}
		}
		// Reading needs no key.
		h.do("GET", epBase(owner), rootEmail, nil).items(t, 0)
		expect(t, h.do("GET", epPath(owner, 1), rootEmail, nil), 404, "webhook_endpoint_not_found")
	}
}
