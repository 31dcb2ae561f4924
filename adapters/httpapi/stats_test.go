package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// mtClock is a service clock tests move forward.
type mtClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *mtClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *mtClock) advance(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// mtStats answers GET /v1/stats as the superadmin, flattened: "active suspended archived
// total users memberships verified_domains pending_invitations".
func (h *harness) mtStats() string {
	h.t.Helper()
	r := h.do("GET", "/v1/stats", rootEmail, nil)
	expect(h.t, r, 200, "")
	d := r.data()
	if keys(r.Body) != "data" || keys(d) != "memberships organizations organizations_total pending_invitations users verified_domains" {
		h.t.Fatalf("stats keys: %s", r.Raw)
	}
	o := d["organizations"].(map[string]any)
	if keys(o) != "active archived suspended" {
		h.t.Fatalf("stats organizations keys: %s", r.Raw)
	}
	return fmt.Sprint(o["active"], o["suspended"], o["archived"], d["organizations_total"], d["users"], d["memberships"],
		d["verified_domains"], d["pending_invitations"])
}

func TestStats_Counts(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			clock := &mtClock{now: time.Now()}
			h := newHarness(t, d, func(deps *app.Deps) { deps.Clock = clock })
			// The superadmin's own request provisions them: one user and nothing else.
			if got := h.mtStats(); got != "0 0 0 0 1 0 0 0" {
				t.Fatalf("fresh: %s", got)
			}
			a, b, c := h.createOrg("stats-a"), h.createOrg("stats-b"), h.createOrg("stats-c")
			if got := h.mtStats(); got != "3 0 0 3 1 3 0 0" {
				t.Fatalf("three organizations: %s", got)
			}
			h.mtConnect(a, "u1@example.com", "member")
			h.mtUserID("u2@example.com")
			unverified := h.claims(jwt.MapClaims{"sub": "unverified", "email": "u3@example.com", "email_verified": false})
			expect(t, h.doToken("GET", "/v1/me", unverified, nil), 200, "")
			expect(t, h.do("PATCH", mtOrg(b), rootEmail, map[string]any{"status": "suspended"}), 200, "")
			expect(t, h.do("PATCH", mtOrg(c), rootEmail, map[string]any{"status": "archived"}), 200, "")
			if got := h.mtStats(); got != "1 1 1 3 4 4 0 0" {
				t.Fatalf("users and statuses: %s", got)
			}

			h.verifiedDomain(a, "stats-a.example")
			h.addDomain(a, rootEmail, "stats-pending.example")
			failed, _ := h.addDomain(b, rootEmail, "stats-failed.example")
			expect(t, h.do("POST", verifyPath(b, failed), rootEmail, nil), 200, "")
			if got := h.mtStats(); got != "1 1 1 3 4 4 1 0" {
				t.Fatalf("domains: %s", got)
			}

			var invitations []int64
			for i := range 3 {
				res := h.do("POST", mtOrg(a)+"/invitations", rootEmail, map[string]any{"email": fmt.Sprintf("inv%d@example.com", i)})
				expect(t, res, 201, "")
				invitations = append(invitations, id(res.data()["id"]))
			}
			expect(t, h.do("DELETE", fmt.Sprintf("%s/invitations/%d", mtOrg(a), invitations[2]), rootEmail, nil), 204, "")
			if got := h.mtStats(); got != "1 1 1 3 4 4 1 2" {
				t.Fatalf("invitations: %s", got)
			}
			// Pending until the moment they expire (to the second), then no longer.
			clock.advance(domain.DefaultInvitationTTL - 2*time.Second)
			if got := h.mtStats(); got != "1 1 1 3 4 4 1 2" {
				t.Fatalf("just before expiry: %s", got)
			}
			clock.advance(time.Minute)
			if got := h.mtStats(); got != "1 1 1 3 4 4 1 0" {
				t.Fatalf("after expiry: %s", got)
			}

			expect(t, h.do("DELETE", mtMember(a, h.mtUserID("u1@example.com")), rootEmail, nil), 204, "")
			expect(t, h.do("DELETE", mtOrg(c), rootEmail, nil), 204, "")
			if got := h.mtStats(); got != "1 1 0 2 4 2 1 0" {
				t.Fatalf("after removals: %s", got)
			}
			// Nothing but the superadmin's reads happened: the stats change nothing.
			if got := h.mtStats(); got != "1 1 0 2 4 2 1 0" {
				t.Fatalf("again: %s", got)
			}
		})
	}
}

func TestStats_SuperadminOnly(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("stats")
	for _, who := range []string{r.owner, r.admin, r.member, r.viewer, r.outsider, "stranger@example.com"} {
		expect(t, h.do("GET", "/v1/stats", who, nil), 403, "forbidden")
	}
	expect(t, h.do("GET", "/v1/stats", "", nil), 401, "")
	expect(t, h.do("GET", "/v1/stats", rootEmail, nil), 200, "")
	// A superadmin by grant counts as one; revoked, no longer.
	if _, err := h.svc.SetSuperadmin(context.Background(), r.viewer, true); err != nil {
		t.Fatal(err)
	}
	expect(t, h.do("GET", "/v1/stats", r.viewer, nil), 200, "")
	if _, err := h.svc.SetSuperadmin(context.Background(), r.viewer, false); err != nil {
		t.Fatal(err)
	}
	expect(t, h.do("GET", "/v1/stats", r.viewer, nil), 403, "forbidden")
	// The configured superadmin address counts only when verified.
	spoof := h.claims(jwt.MapClaims{"sub": "spoof", "email": rootEmail, "email_verified": false})
	expect(t, h.doToken("GET", "/v1/stats", spoof, nil), 403, "forbidden")
	expect(t, h.do("POST", "/v1/stats", rootEmail, nil), 405, "method_not_allowed")
}
