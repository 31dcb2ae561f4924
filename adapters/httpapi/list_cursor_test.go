package httpapi_test

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// Walking a list by cursor visits exactly the rows the page-numbered list shows, in the same
// order, for every sort (ties of created_at broken by id), for a superadmin and a member.
func TestOrganizations_ListByCursor(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		expect(t, h.do("GET", "/v1/me", "walker@example.com", nil), 200, "")
		for i, s := range []string{"golf", "alpha", "echo", "charlie", "foxtrot", "bravo", "delta"} {
			id := h.createOrg(s)
			if i%2 == 0 {
				h.connect(id, "walker@example.com", "member")
			}
			if i == 3 {
				h.advance(time.Second) // a few share created_at: the id breaks ties
			}
		}
		for _, c := range []struct{ who, query string }{
			{rootEmail, "sort=name"}, {rootEmail, "sort=-name"}, {rootEmail, "sort=created_at"}, {rootEmail, "sort=-created_at"},
			{rootEmail, "sort=-updated_at&q=o"}, {rootEmail, "status=active&sort=name"}, {"walker@example.com", "sort=name"},
		} {
			all := h.do("GET", "/v1/organizations?page_size=100&"+c.query, c.who, nil)
			expect(t, all, 200, "")
			want := slugsOf(all)
			var got []string
			path := "/v1/organizations?page_size=3&" + c.query
			for pages := 0; ; pages++ {
				if pages > len(want) {
					t.Fatalf("%s: the cursor never ends", c.query)
				}
				r := h.do("GET", path, c.who, nil)
				expect(t, r, 200, "")
				got = append(got, slugsOf(r)...)
				meta := r.Body["meta"].(map[string]any)
				if meta["total"] != float64(len(want)) {
					t.Fatalf("%s: total %v on a cursor page, want %d", c.query, meta["total"], len(want))
				}
				if pages > 0 && meta["page"] != nil {
					t.Fatalf("%s: page %v on a cursor page, want null", c.query, meta["page"])
				}
				next, ok := meta["cursor"].(string)
				if !ok {
					break
				}
				path = "/v1/organizations?page_size=3&" + c.query + "&cursor=" + url.QueryEscape(next)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s as %s: by cursor %v, by page %v", c.query, c.who, got, want)
			}
		}
	})
}

func TestOrganizations_ListByCursorRefusesBadCursors(t *testing.T) {
	h := sqlite(t)
	for _, s := range []string{"alpha", "bravo", "charlie"} {
		h.createOrg(s)
	}
	first := h.do("GET", "/v1/organizations?page_size=1", rootEmail, nil)
	expect(t, first, 200, "")
	cursor := url.QueryEscape(first.Body["meta"].(map[string]any)["cursor"].(string))
	for _, c := range []struct{ query, field string }{
		{"cursor=nonsense", "cursor"},
		{"sort=created_at&cursor=djEgY3JlYXRlZF9hdCAxIHllc3RlcmRheQ", "cursor"}, // "v1 created_at 1 yesterday"
		{"cursor=", "cursor"},
		{"sort=-name&cursor=" + cursor, "cursor"}, // made for another order
		{"page=2&cursor=" + cursor, "page"},
	} {
		r := h.do("GET", "/v1/organizations?"+c.query, rootEmail, nil)
		expect(t, r, 400, "validation_error")
		if fields := r.fields(); !slices.Contains(fields, c.field) {
			t.Errorf("%s: fields %v, want %s", c.query, fields, c.field)
		}
	}
}

func slugsOf(r response) []string {
	var out []string
	for _, o := range r.Body["data"].([]any) {
		out = append(out, o.(map[string]any)["slug"].(string))
	}
	return out
}
