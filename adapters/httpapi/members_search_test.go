package httpapi_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// GET /v1/organizations/{id}/members?q= keeps the members whose email or name contains q,
// ignoring case, with % and _ literal; meta.total counts the matches.
func TestMembers_Search(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("search")
		for _, u := range []struct{ email, name string }{
			{"pct@example.com", "100% Sure"}, {"under_score@example.com", "Ann Smith"}, {"underxscore@example.com", "Bob"},
		} {
			tok := h.claims(jwt.MapClaims{"sub": "sub|" + u.email, "email": u.email, "email_verified": true, "name": u.name})
			expect(t, h.doToken("GET", "/v1/me", tok, nil), 200, "")
			h.connect(r.orgID, u.email, "member")
		}
		for q, want := range map[string]string{ // query -> meta, emails on the page
			"?q=UNDER_SCORE":                     "map[page:1 page_size:25 total:1 total_pages:1] [under_score@example.com]",
			"?q=aNN+smiTH":                       "map[page:1 page_size:25 total:1 total_pages:1] [under_score@example.com]",
			"?q=100%25":                          "map[page:1 page_size:25 total:1 total_pages:1] [pct@example.com]",
			"?q=%25":                             "map[page:1 page_size:25 total:1 total_pages:1] [pct@example.com]",
			"?q=_":                               "map[page:1 page_size:25 total:1 total_pages:1] [under_score@example.com]",
			"?q=%5C":                             "map[page:1 page_size:25 total:0 total_pages:0] []",
			"?q=-search@example.com&page_size=3": "map[page:1 page_size:3 total:4 total_pages:2] [" + r.owner + " " + r.admin + " " + r.member + "]",
			"?q=-SEARCH@&page=2&page_size=3":     "map[page:2 page_size:3 total:4 total_pages:2] [" + r.viewer + "]",
			"?q=search&role=admin":               "map[page:1 page_size:25 total:1 total_pages:1] [" + r.admin + "]",
			"?q=+under":                          "map[page:1 page_size:25 total:2 total_pages:1] [under_score@example.com underxscore@example.com]",
			"?q=++":                              "map[page:1 page_size:25 total:7 total_pages:1] [" + r.owner + " " + r.admin + " " + r.member + " " + r.viewer + " pct@example.com under_score@example.com underxscore@example.com]",
			"?q=" + url.QueryEscape(r.outsider):  "map[page:1 page_size:25 total:0 total_pages:0] []",
			"?q=" + strings.Repeat("é", 100):     "map[page:1 page_size:25 total:0 total_pages:0] []",
		} {
			res := h.do("GET", mtMembers(r.orgID)+q, r.viewer, nil)
			expect(t, res, 200, "")
			emails := []string{}
			for _, it := range res.Body["data"].([]any) {
				emails = append(emails, it.(map[string]any)["email"].(string))
			}
			if got := fmt.Sprint(res.Body["meta"]) + " " + fmt.Sprint(emails); got != want {
				t.Errorf("%s: %s, want %s", q, got, want)
			}
		}

		list := mtMembers(r.orgID)
		for name, c := range map[string]struct {
			query  string
			fields []string
		}{
			"too long":      {"?q=" + strings.Repeat("a", 101), []string{"q"}},
			"too long, é":   {"?q=" + strings.Repeat("é", 101), []string{"q"}},
			"NUL":           {"?q=a%00", []string{"q"}},
			"newline":       {"?q=a%0Ab", []string{"q"}},
			"invalid UTF-8": {"?q=%FF", []string{"q"}},
			"all wrong":     {"?q=" + strings.Repeat("a", 101) + "&role=x&page=0", []string{"page", "q", "role"}},
		} {
			t.Run(name, func(t *testing.T) {
				h.t = t
				mtFields(t, h.do("GET", list+c.query, r.owner, nil), c.fields...)
			})
		}
		h.t = t
		expect(t, h.do("GET", list+"?q="+strings.Repeat("a", 101), r.outsider, nil), 403, "forbidden")
	})
}
