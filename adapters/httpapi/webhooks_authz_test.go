package httpapi_test

import (
	"testing"
)

// whRoute is one events or webhooks route; path builds it from the owner (0: the platform),
// an endpoint and a delivery id.
type whRoute struct {
	name, method string
	path         func(orgID, endpointID, deliveryID int64) string
	body         any
	ok           int // the status of an allowed caller
}

var whRoutes = []whRoute{
	{"list endpoints", "GET", func(o, _, _ int64) string { return epBase(o) }, nil, 200},
	{"create endpoint", "POST", func(o, _, _ int64) string { return epBase(o) }, map[string]any{"url": "https://hooks.example/new"}, 201},
	{"get endpoint", "GET", func(o, e, _ int64) string { return epPath(o, e) }, nil, 200},
	{"update endpoint", "PATCH", func(o, e, _ int64) string { return epPath(o, e) }, map[string]any{"description": "changed"}, 200},
	{"rotate secret", "POST", func(o, e, _ int64) string { return epPath(o, e) + "/rotate-secret" }, nil, 200},
	{"test", "POST", func(o, e, _ int64) string { return epPath(o, e) + "/test" }, nil, 202},
	{"deliveries", "GET", func(o, e, _ int64) string { return epPath(o, e) + "/deliveries" }, nil, 200},
	{"retry", "POST", func(o, e, d int64) string { return retryPath(o, e, d) }, nil, 202},
	{"delete endpoint", "DELETE", func(o, e, _ int64) string { return epPath(o, e) }, nil, 204}, // last: the endpoint goes
}

// TestWebhooks_AuthorizationEveryRole runs every events and webhooks route as every kind
// of caller: an organization's routes admit its owners and admins (and superadmins), the
// platform's and GET /v1/events superadmins only; an admin of another organization is
// refused like any outsider.
func TestWebhooks_AuthorizationEveryRole(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("wh-authz")
	callers := []struct {
		name, email string
		org, all    bool // allowed on the organization's routes, on the platform's
	}{
		{"superadmin", rootEmail, true, true}, {"owner", r.owner, true, false}, {"admin", r.admin, true, false},
		{"member", r.member, false, false}, {"viewer", r.viewer, false, false},
		{"admin of another organization", r.outsider, false, false}, {"anonymous", "", false, false},
	}
	for _, owner := range []int64{r.orgID, 0} {
		for _, c := range callers {
			allowed := c.org
			if owner == 0 {
				allowed = c.all
			}
			// Each caller gets an endpoint and a delivery of its own, so what one allowed caller
			// changes (deleting the endpoint) does not decide what the next one is answered.
			epID, _ := h.addEndpoint(owner, rootEmail, map[string]any{"url": "https://hooks.example/in", "description": "kept",
				"event_types": []string{"member.added"}})
			deliveryID := h.testDelivery(owner, epID)
			for _, rt := range whRoutes {
				want := rt.ok
				switch {
				case c.email == "":
					want = 401
				case !allowed:
					want = 403
				}
				got := h.do(rt.method, rt.path(owner, epID, deliveryID), c.email, rt.body)
				if got.Status != want || (want >= 400 && got.errCode() != map[int]string{401: "unauthorized", 403: "forbidden"}[want]) {
					t.Errorf("owner %d, %s, %s: got %d %s, want %d", owner, c.name, rt.name, got.Status, got.Raw, want)
				}
			}
			if !allowed { // refused callers changed nothing
				ep := h.do("GET", epPath(owner, epID), rootEmail, nil)
				expect(t, ep, 200, "")
				if ep.data()["description"] != "kept" || ep.data()["secret_rotated_until"] != nil {
					t.Errorf("owner %d, %s: the endpoint changed: %s", owner, c.name, ep.Raw)
				}
				n := len(h.do("GET", epPath(owner, epID)+"/deliveries", rootEmail, nil).Body["data"].([]any))
				if n != 1 {
					t.Errorf("owner %d, %s: %d deliveries, want the 1 test", owner, c.name, n)
				}
			}
		}
	}
	for _, c := range callers {
		want := map[bool]int{true: 200, false: 403}
		for path, allowed := range map[string]bool{eventsPath(r.orgID): c.org, "/v1/events": c.all} {
			w := want[allowed]
			if c.email == "" {
				w = 401
			}
			if got := h.do("GET", path, c.email, nil); got.Status != w {
				t.Errorf("%s GET %s: got %d %s, want %d", c.name, path, got.Status, got.Raw, w)
			}
		}
	}
}

// TestWebhooks_OtherOrganizationsEndpoints: an organization's admin reaches only its own
// organization's endpoints; another organization's endpoint or delivery is not found
// through their own organization's path, and the platform's path holds no organization's.
func TestWebhooks_OtherOrganizationsEndpoints(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		a, b := h.orgWithRoles("tenant-a"), h.orgWithRoles("tenant-b")
		epA, _ := h.addEndpoint(a.orgID, a.admin, map[string]any{"url": "https://a.example/in", "description": "A's",
			"event_types": []string{"member.added"}})
		deliveryA := h.testDelivery(a.orgID, epA)
		epB, _ := h.addEndpoint(b.orgID, b.admin, map[string]any{"url": "https://b.example/in"})
		deliveryB := h.testDelivery(b.orgID, epB)
		platform, _ := h.addEndpoint(0, rootEmail, map[string]any{"url": "https://platform.example/in"})

		for _, rt := range whRoutes {
			if rt.name == "list endpoints" || rt.name == "create endpoint" {
				continue
			}
			// A's endpoint through B's path, by B's admin and by the superadmin.
			for _, caller := range []string{b.admin, b.owner, rootEmail} {
				expect(t, h.do(rt.method, rt.path(b.orgID, epA, deliveryA), caller, rt.body), 404, "webhook_endpoint_not_found")
			}
			// A's endpoint through A's path, by B's admin: not a member of A.
			expect(t, h.do(rt.method, rt.path(a.orgID, epA, deliveryA), b.admin, rt.body), 403, "forbidden")
			// Organizations' and the platform's endpoints do not mix.
			expect(t, h.do(rt.method, rt.path(0, epA, deliveryA), rootEmail, rt.body), 404, "webhook_endpoint_not_found")
			expect(t, h.do(rt.method, rt.path(a.orgID, platform, deliveryA), rootEmail, rt.body), 404, "webhook_endpoint_not_found")
		}
		// A's delivery through B's own endpoint.
		expect(t, h.do("POST", retryPath(b.orgID, epB, deliveryA), b.admin, nil), 404, "webhook_delivery_not_found")
		expect(t, h.do("POST", retryPath(b.orgID, epB, deliveryB), b.admin, nil), 202, "")

		// A's endpoint is as it was, and each list holds its own.
		ep := h.do("GET", epPath(a.orgID, epA), a.admin, nil)
		expect(t, ep, 200, "")
		if ep.data()["description"] != "A's" || ep.data()["secret_rotated_until"] != nil {
			t.Errorf("A's endpoint changed: %s", ep.Raw)
		}
		deliveryItems(t, h.do("GET", epPath(a.orgID, epA)+"/deliveries", a.admin, nil), 1)
		for owner, want := range map[int64]int64{a.orgID: epA, b.orgID: epB, 0: platform} {
			items := h.do("GET", epBase(owner), rootEmail, nil).items(t, 1)
			if got := id(items[0].(map[string]any)["id"]); got != want {
				t.Errorf("owner %d lists endpoint %d, want %d", owner, got, want)
			}
		}
		// B's admin reads B's events only.
		for _, e := range evItems(t, h.do("GET", eventsPath(b.orgID)+"?page_size=100", b.admin, nil), 9) {
			if id(e["organization_id"]) != b.orgID {
				t.Errorf("B's stream holds %v", e)
			}
		}
	})
}
