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

// TestEvents_SlugRace: racing creates of one slug in one organization leave exactly one
// event; the others are told event_slug_taken, never a 500.
func TestEvents_SlugRace(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := newHost(t, d, options{})
			alpha, _ := h.world()
			const n = 10
			type result struct {
				code int
				body map[string]any
				err  error
			}
			results := make(chan result, n)
			start := make(chan struct{})
			for i := range n {
				go func() {
					<-start
					code, body, err := h.request("POST", eventsPath(alpha), admin, fmt.Sprintf(`{"name":"Racer %d","slug":"race"}`, i))
					results <- result{code, body, err}
				}()
			}
			close(start)
			created := 0
			for range n {
				r := <-results
				if r.err != nil {
					t.Fatal(r.err)
				}
				if r.code == 201 {
					created++
					continue
				}
				wantError(t, r.code, r.body, 409, "event_slug_taken")
			}
			if created != 1 || h.count(alpha) != 1 {
				t.Fatalf("%d created, %d stored; want exactly one", created, h.count(alpha))
			}
		})
	}
}

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
				if code, body := h.call("DELETE", fmt.Sprintf("/v1/organizations/%d", alpha), root, ""); code != 204 {
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
				code, body := h.call("DELETE", fmt.Sprintf("/v1/organizations/%d", alpha), root, "")
				wantError(t, code, body, 500, "internal_error")
				if code, body := h.call("GET", fmt.Sprintf("/v1/organizations/%d", alpha), member, ""); code != 200 {
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

// TestEvents_CreateRacesDelete: creates racing the organization's delete each answer 201 or
// 404 organization_not_found, never a 500, and no event outlives its organization.
func TestEvents_CreateRacesDelete(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := newHost(t, d, options{})
			alpha, _ := h.world()
			const n = 10
			codes := make(chan int, n+1)
			errs := make(chan error, n+1)
			start := make(chan struct{})
			for i := range n + 1 {
				go func() {
					<-start
					method, path, body := "POST", eventsPath(alpha), fmt.Sprintf(`{"name":"Racer %d","slug":"racer-%d"}`, i, i)
					if i == n {
						method, path, body = "DELETE", fmt.Sprintf("/v1/organizations/%d", alpha), ""
					}
					code, out, err := h.request(method, path, root, body)
					if err == nil && code != 201 && code != 204 && (code != 404 || out["error"].(map[string]any)["code"] != "organization_not_found") {
						err = fmt.Errorf("%s %s: %d %v", method, path, code, out)
					}
					codes <- code
					errs <- err
				}()
			}
			close(start)
			for range n + 1 {
				if err := <-errs; err != nil {
					t.Error(err)
				}
				<-codes
			}
			if left := h.count(alpha); left != 0 {
				t.Fatalf("%d events outlived their organization", left)
			}
		})
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
