package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

// TestEvents_OrganizationDeleted: deleting an organization through orgkit's route takes its
// events in the same transaction, leaves other organizations' alone, and a failing hook
// leaves both the organization and its events.
func TestEvents_OrganizationDeleted(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Run("events go with their organization", func(t *testing.T) {
				h := newHost(t, d, options{})
				alpha, bravo := h.world()
				seed(t, h, alpha, admin, 3)
				seed(t, h, bravo, otherAdmin, 2)
				if code, body := h.call("DELETE", fmt.Sprintf("/orgkit/v1/organizations/%d", alpha), root, ""); code != 204 {
					t.Fatalf("delete: %d %v", code, body)
				}
				if a, b := h.count(alpha), h.count(bravo); a != 0 || b != 2 {
					t.Fatalf("events left: alpha %d, bravo %d; want 0 and 2", a, b)
				}
				for _, c := range []struct{ method, body string }{{"GET", ""}, {"POST", `{"name":"Late","slug":"late"}`}} {
					code, body := h.call(c.method, eventsPath(alpha), root, c.body)
					wantError(t, code, body, 404, "organization_not_found")
				}
				code, body := h.call("GET", eventsPath(bravo), otherAdmin, "")
				if code != 200 || len(body["data"].([]any)) != 2 {
					t.Fatalf("bravo's events: %d %v", code, body)
				}
			})

			t.Run("a failing hook aborts the delete", func(t *testing.T) {
				failing := func(ctx context.Context, tx *gorm.DB, orgID int64) error {
					if err := deleteEvents(ctx, tx, orgID); err != nil {
						return err
					}
					return errors.New("the host refuses") // after its own delete: that must roll back too
				}
				h := newHost(t, d, options{deleting: failing})
				alpha, _ := h.world()
				seed(t, h, alpha, admin, 2)
				code, body := h.call("DELETE", fmt.Sprintf("/orgkit/v1/organizations/%d", alpha), root, "")
				wantError(t, code, body, 500, "internal_error")
				if code, body := h.call("GET", fmt.Sprintf("/orgkit/v1/organizations/%d", alpha), member, ""); code != 200 {
					t.Fatalf("the organization is gone: %d %v", code, body)
				}
				if n := h.count(alpha); n != 2 {
					t.Fatalf("%d events left, want 2: the hook's delete was not rolled back", n)
				}
			})
		})
	}
}

// seed creates n events in orgID as who.
func seed(t *testing.T, h *host, orgID int64, who string, n int) {
	t.Helper()
	for i := range n {
		if code, body := h.call("POST", eventsPath(orgID), who, fmt.Sprintf(`{"name":"Event %d","slug":"event-%d"}`, i, i)); code != 201 {
			t.Fatalf("seed: %d %v", code, body)
		}
	}
}

// TestEvents_StoreTranslatesOrganizationGone: a write for an organization that does not
// exist (deleted between authorization and insert) is organization_not_found on both
// databases, by the foreign key's name on Postgres and its result code on SQLite.
func TestEvents_StoreTranslatesOrganizationGone(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := newHost(t, d, options{})
			_, err := events{db: h.db}.create(context.Background(), event{OrganizationID: 987654, Name: "Orphan", Slug: "orphan", CreatedAt: now, UpdatedAt: now})
			if !errors.Is(err, domain.ErrOrganizationNotFound) {
				t.Fatalf("got %v, want organization_not_found", err)
			}
		})
	}
}
