package main

import (
	"fmt"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
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
						method, path, body = "DELETE", fmt.Sprintf("/orgkit/v1/organizations/%d", alpha), ""
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
