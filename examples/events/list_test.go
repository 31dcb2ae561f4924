package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

func TestEvents_List(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			h := newHost(t, d, options{})
			alpha, bravo := h.world()
			// alpha: 7 events; the clock is 2026-06-01T12:00:00Z.
			for _, body := range []string{
				`{"name":"Past Fair","slug":"past-fair","end_date":"2026-05-31T23:59:59Z"}`,
				`{"name":"Ended Today","slug":"ended-today","end_date":"2026-06-01T11:59:59Z"}`,
				`{"name":"Ends Now","slug":"ends-now","end_date":"2026-06-01T12:00:00Z"}`,
				`{"name":"Summer Camp","slug":"summer-camp","end_date":"2026-08-01","description":"Outdoor WEEK"}`,
				`{"name":"Open Ended","slug":"open-ended","description":"no end, 100% fun"}`,
				`{"name":"Day Of","slug":"day-of","end_date":"2026-06-01"}`,
				`{"name":"Workshop_1","slug":"workshop-1"}`,
			} {
				if code, out := h.call("POST", eventsPath(alpha), admin, body); code != 201 {
					t.Fatalf("seed %s: %d %v", body, code, out)
				}
			}
			if code, out := h.call("POST", eventsPath(bravo), otherAdmin, `{"name":"Bravo Week","slug":"bravo-week","description":"week"}`); code != 201 {
				t.Fatalf("seed bravo: %d %v", code, out)
			}

			// list answers the names on a page of alpha's list, checking its meta.
			list := func(t *testing.T, who, query string, total, page, pageSize int) []string {
				t.Helper()
				code, body := h.call("GET", eventsPath(alpha)+query, who, "")
				if code != 200 {
					t.Fatalf("%s %s: %d %v", who, query, code, body)
				}
				meta, _ := body["meta"].(map[string]any)
				pages := (total + pageSize - 1) / pageSize
				if fmt.Sprint(meta) != fmt.Sprint(map[string]any{"page": page, "page_size": pageSize, "total": total, "total_pages": pages}) {
					t.Fatalf("%s: meta %v, want page %d of %d, total %d, %d a page", query, meta, page, pages, total, pageSize)
				}
				var names []string
				for _, item := range body["data"].([]any) {
					e := item.(map[string]any)
					if e["organization_id"] != float64(alpha) {
						t.Fatalf("another organization's event listed: %v", e)
					}
					names = append(names, e["name"].(string))
				}
				return names
			}

			t.Run("roles", func(t *testing.T) {
				for _, who := range []string{owner, admin, member, viewer, root} {
					if names := list(t, who, "", 7, 1, 25); len(names) != 7 {
						t.Fatalf("%s sees %v", who, names)
					}
				}
				for _, who := range []string{outsider, otherAdmin} {
					code, body := h.call("GET", eventsPath(alpha), who, "")
					wantError(t, code, body, 403, "forbidden")
					code, body = h.call("GET", eventsPath(alpha)+"?page=0", who, "", "X-Organization-ID", fmt.Sprint(bravo))
					wantError(t, code, body, 403, "forbidden")
				}
				code, body := h.call("GET", eventsPath(alpha), "", "")
				wantError(t, code, body, 401, "unauthorized")
				code, body = h.call("GET", eventsPath(987654), root, "")
				wantError(t, code, body, 404, "organization_not_found")
				code, body = h.call("GET", "/v1/organizations/x1/events", member, "")
				wantError(t, code, body, 400, "validation_error", "id")
			})

			t.Run("pagination", func(t *testing.T) {
				want := [][]string{{"Past Fair", "Ended Today", "Ends Now"}, {"Summer Camp", "Open Ended", "Day Of"}, {"Workshop_1"}, nil}
				for page, names := range want {
					got := list(t, member, fmt.Sprintf("?page=%d&page_size=3", page+1), 7, page+1, 3)
					if fmt.Sprint(got) != fmt.Sprint(names) {
						t.Fatalf("page %d: %v, want %v", page+1, got, names)
					}
				}
				if got := list(t, member, "?page_size=100", 7, 1, 100); len(got) != 7 {
					t.Fatalf("page_size=100: %v", got)
				}
			})

			t.Run("filters", func(t *testing.T) {
				for _, c := range []struct {
					query string
					want  []string
				}{
					{"?q=summer", []string{"Summer Camp"}},
					{"?q=week", []string{"Summer Camp"}}, // description, any case; bravo's is not alpha's
					{"?q=" + url.QueryEscape("100%"), []string{"Open Ended"}},
					{"?q=" + url.QueryEscape("%"), []string{"Open Ended"}}, // a literal percent sign, not a wildcard
					{"?q=fai_", nil}, // a literal underscore, not a wildcard ("fair")
					{"?q=shop_1", []string{"Workshop_1"}},
					{"?q=nothing-matches", nil},
					{"?is_active=true", []string{"Ends Now", "Summer Camp", "Open Ended", "Day Of", "Workshop_1"}},
					{"?is_active=false", []string{"Past Fair", "Ended Today"}},
					{"?is_active=false&q=fair", []string{"Past Fair"}},
					{"?is_active=true&q=fair", nil},
					{"?is_active=true&page_size=2&page=2", []string{"Open Ended", "Day Of"}},
				} {
					total := len(c.want)
					page, size := 1, 25
					if strings.Contains(c.query, "page=2") {
						total, page, size = 5, 2, 2
					}
					if got := list(t, viewer, c.query, total, page, size); fmt.Sprint(got) != fmt.Sprint(c.want) {
						t.Errorf("%s: %v, want %v", c.query, got, c.want)
					}
				}
				code, body := h.call("GET", eventsPath(alpha)+"?is_active=true", viewer, "")
				for _, item := range body["data"].([]any) {
					if code != 200 || item.(map[string]any)["is_active"] != true {
						t.Fatalf("is_active=true listed %v", item)
					}
				}
			})

			t.Run("bad query", func(t *testing.T) {
				for _, c := range []struct {
					query  string
					fields []string
				}{
					{"?page=0", []string{"page"}},
					{"?page=abc", []string{"page"}},
					{"?page_size=0", []string{"page_size"}},
					{"?page_size=101", []string{"page_size"}},
					{"?is_active=yes", []string{"is_active"}},
					{"?is_active=1", []string{"is_active"}},
					{"?q=" + strings.Repeat("q", 101), []string{"q"}},
					{"?q=a%00b", []string{"q"}},
					{"?q=%ff", []string{"q"}},
					{"?other=%00", []string{"other"}},
					{"?%00=1", []string{"query"}},
					{"?page=0&page_size=1000&is_active=maybe", []string{"page", "page_size", "is_active"}},
				} {
					code, body := h.call("GET", eventsPath(alpha)+c.query, member, "")
					wantError(t, code, body, 400, "validation_error", c.fields...)
				}
			})

			// Last, as it closes alpha: a suspended organization is closed to its members,
			// its events included; superadmins still see them.
			t.Run("suspended organization", func(t *testing.T) {
				if code, body := h.call("PATCH", fmt.Sprintf("/orgkit/v1/organizations/%d", alpha), root, `{"status":"suspended"}`); code != 200 {
					t.Fatalf("suspend: %d %v", code, body)
				}
				code, body := h.call("GET", eventsPath(alpha), member, "")
				wantError(t, code, body, 403, "forbidden")
				code, body = h.call("POST", eventsPath(alpha), admin, `{"name":"Closed","slug":"closed"}`)
				wantError(t, code, body, 403, "forbidden")
				list(t, root, "?"+strings.Repeat("k", 70)+"=unread", 7, 1, 25)
			})
		})
	}
}
