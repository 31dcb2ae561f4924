package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

func TestEvents_Create(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := newHost(t, d, options{})
			alpha, bravo := h.world()
			path := eventsPath(alpha)

			t.Run("success shape", func(t *testing.T) {
				code, body := h.call("POST", path, admin, `{"name":"Spring Summit","slug":"spring-summit",
					"description":"Talks\nand workshops","start_date":"2026-05-01T09:00:00+02:00","end_date":"2026-07-01",
					"website":"https://example.com/summit","contact_email":" Events@Example.COM "}`)
				if code != 201 {
					t.Fatalf("create: %d %v", code, body)
				}
				e := data(t, body)
				want := map[string]any{"organization_id": float64(alpha), "name": "Spring Summit", "slug": "spring-summit",
					"description": "Talks\nand workshops", "start_date": "2026-05-01T07:00:00Z", "end_date": "2026-07-01T23:59:59Z",
					"website": "https://example.com/summit", "contact_email": "events@example.com", "is_active": true,
					"created_at": "2026-06-01T12:00:00Z", "updated_at": "2026-06-01T12:00:00Z"}
				for k, v := range want {
					if e[k] != v {
						t.Errorf("%s = %#v, want %#v", k, e[k], v)
					}
				}
				if id, _ := e["id"].(float64); id <= 0 || len(e) != len(want)+1 {
					t.Fatalf("id or fields: %v", e)
				}
			})

			t.Run("optional fields are null", func(t *testing.T) {
				code, body := h.call("POST", path, admin, `{"name":"Meetup","slug":"meetup","website":null}`)
				if code != 201 {
					t.Fatalf("create: %d %v", code, body)
				}
				e := data(t, body)
				for _, k := range []string{"description", "start_date", "end_date", "website", "contact_email"} {
					if v, ok := e[k]; !ok || v != nil {
						t.Errorf("%s = %#v, want null", k, v)
					}
				}
				if e["is_active"] != true {
					t.Errorf("an event without an end is active: %v", e)
				}
			})

			t.Run("roles", func(t *testing.T) {
				for i, c := range []struct {
					who    string
					status int
					header []string
				}{
					{owner, 201, nil},
					{admin, 201, nil},
					{root, 201, nil}, // a superadmin who is not a member
					{member, 403, nil},
					{viewer, 403, nil},
					{outsider, 403, nil},
					{otherAdmin, 403, nil},
					// The path names the organization: the header cannot point elsewhere.
					{otherAdmin, 403, []string{"X-Organization-ID", fmt.Sprint(bravo)}},
				} {
					before := h.count(alpha)
					code, body := h.call("POST", path, c.who, fmt.Sprintf(`{"name":"Role %d","slug":"role-%d"}`, i, i), c.header...)
					if c.status == 201 {
						if code != 201 || data(t, body)["organization_id"] != float64(alpha) {
							t.Fatalf("%s: %d %v", c.who, code, body)
						}
						continue
					}
					wantError(t, code, body, 403, "forbidden")
					if h.count(alpha) != before {
						t.Fatalf("%s: a refused create wrote a row", c.who)
					}
				}
				// Forbidden comes first: an outsider learns nothing about its bad input.
				code, body := h.call("POST", path, otherAdmin, `{"name":""}`)
				wantError(t, code, body, 403, "forbidden")
			})

			t.Run("unauthenticated", func(t *testing.T) {
				code, body := h.call("POST", path, "", `{"name":"No token","slug":"no-token"}`)
				wantError(t, code, body, 401, "unauthorized")
			})

			t.Run("organization not found", func(t *testing.T) {
				for _, who := range []string{admin, root, outsider} {
					code, body := h.call("POST", eventsPath(987654), who, `{"name":"Ghost","slug":"ghost"}`)
					wantError(t, code, body, 404, "organization_not_found")
				}
			})

			t.Run("malformed organization id", func(t *testing.T) {
				for _, id := range []string{"abc", "0", "-1", "01", "+1", "99999999999999999999", "%00"} {
					code, body := h.call("POST", "/v1/organizations/"+id+"/events", admin, `{"name":"Bad","slug":"bad-id"}`)
					wantError(t, code, body, 400, "validation_error", "id")
				}
			})

			t.Run("slug unique per organization", func(t *testing.T) {
				code, body := h.call("POST", path, admin, `{"name":"Gala","slug":"gala"}`)
				if code != 201 {
					t.Fatalf("first: %d %v", code, body)
				}
				code, body = h.call("POST", path, owner, `{"name":"Another gala","slug":"gala"}`)
				wantError(t, code, body, 409, "event_slug_taken")
				if code, body := h.call("POST", eventsPath(bravo), otherAdmin, `{"name":"Gala","slug":"gala"}`); code != 201 {
					t.Fatalf("the same slug in another organization: %d %v", code, body)
				}
			})

			t.Run("bad input", func(t *testing.T) {
				for _, c := range []struct {
					name, body string
					fields     []string
				}{
					{"empty object", `{}`, []string{"name", "slug"}},
					{"nulls", `{"name":null,"slug":null}`, []string{"name", "slug"}},
					{"NUL in name", `{"name":"Bad\u0000name","slug":"nul-name"}`, []string{"name"}},
					{"NUL everywhere", `{"name":"x\u0000","slug":"a\u0000b","description":"\u0000","website":"https://a.example/\u0000",
						"contact_email":"a\u0000@example.com","start_date":"2026-01-01\u0000","end_date":"\u0000"}`,
						[]string{"name", "slug", "description", "website", "contact_email", "start_date", "end_date"}},
					{"invalid UTF-8", "{\"name\":\"bad \xff\",\"slug\":\"utf\"}", []string{"name"}},
					{"blank name", `{"name":"   ","slug":"blank"}`, []string{"name"}},
					{"name too long", `{"name":"` + strings.Repeat("n", 201) + `","slug":"long"}`, []string{"name"}},
					{"slug shape", `{"name":"Shape","slug":"Not A Slug"}`, []string{"slug"}},
					{"slug reserved", `{"name":"Reserved","slug":"admin"}`, []string{"slug"}},
					{"description too long", `{"name":"Long","slug":"long-desc","description":"` + strings.Repeat("d", 2001) + `"}`, []string{"description"}},
					{"website scheme", `{"name":"Web","slug":"web","website":"ftp://example.com"}`, []string{"website"}},
					{"website credentials", `{"name":"Web","slug":"web","website":"https://u:p@example.com"}`, []string{"website"}},
					{"website relative", `{"name":"Web","slug":"web","website":"/summit"}`, []string{"website"}},
					{"email", `{"name":"Mail","slug":"mail-bad","contact_email":"not-an-email"}`, []string{"contact_email"}},
					{"dates", `{"name":"Dates","slug":"dates","start_date":"tomorrow","end_date":"2026-13-01"}`, []string{"start_date", "end_date"}},
					{"out of range", `{"name":"Dates","slug":"dates","start_date":"0000-01-01T00:00:00+01:00","end_date":"9999-12-31T23:00:00-05:00"}`, []string{"start_date", "end_date"}},
					{"end before start", `{"name":"Dates","slug":"dates","start_date":"2026-05-02","end_date":"2026-05-01T23:00:00Z"}`, []string{"end_date"}},
					{"wrong types", `{"name":5,"slug":["x"],"website":true}`, []string{"name", "slug", "website"}},
					{"unknown field", `{"name":"Extra","slug":"extra","is_active":true,"organization_id":2}`, []string{"is_active", "organization_id"}},
					{"not an object", `["name"]`, []string{"body"}},
					{"trailing data", `{"name":"A","slug":"abc"} {}`, []string{"body"}},
				} {
					t.Run(c.name, func(t *testing.T) {
						before := h.count(alpha)
						code, body := h.call("POST", path, admin, c.body)
						wantError(t, code, body, 400, "validation_error", c.fields...)
						if h.count(alpha) != before {
							t.Fatal("a refused create wrote a row")
						}
					})
				}
				code, body := h.call("POST", path, admin, "")
				wantError(t, code, body, 400, "validation_error", "body")
			})

			t.Run("a one-day event lasts the day", func(t *testing.T) {
				code, body := h.call("POST", path, admin, `{"name":"Launch","slug":"launch","start_date":"2026-06-01","end_date":"2026-06-01"}`)
				if e := data(t, body); code != 201 || e["start_date"] != "2026-06-01T00:00:00Z" || e["end_date"] != "2026-06-01T23:59:59Z" || e["is_active"] != true {
					t.Fatalf("%d %v", code, body)
				}
			})

			t.Run("media type and size", func(t *testing.T) {
				code, body := h.call("POST", path, admin, `{"name":"Plain","slug":"plain"}`, "Content-Type", "text/plain")
				wantError(t, code, body, 415, "unsupported_media_type")
				big := `{"name":"Big","slug":"big","description":"` + strings.Repeat("x", maxBody) + `"}`
				code, body = h.call("POST", path, admin, big)
				wantError(t, code, body, 413, "payload_too_large")
			})
		})
	}
}
