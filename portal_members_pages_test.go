package orgkit_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
)

var (
	memberEmailRE = regexp.MustCompile(`([a-z0-9.]+@example\.com)</td>`)
	nextPageRE    = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	prevPageRE    = regexp.MustCompile(`<a href="([^"]+)" rel="prev">`)
)

// An organization of 130 members: the search finds the 125th (the store searches, not the
// first page in memory), and plain links (no script) page through all of them, keeping q.
func TestPortal_MembersSearchAndPages(t *testing.T) {
	k, srv := portalKit(t)
	root := signedIn(t, srv, portalRoot)
	id := createOrg(t, root, "Big", "big") // the owner is its first member
	org := fmt.Sprintf("/portal/organizations/%d", id)
	ctx := context.Background()
	super, err := k.Service().SignIn(ctx, domain.Identity{Subject: domain.DevSubject(portalRoot), Email: portalRoot, EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 129; i++ {
		email := fmt.Sprintf("m%03d@example.com", i)
		u, err := k.Service().SignIn(ctx, domain.Identity{Subject: "seed|" + email, Email: email, Name: fmt.Sprintf("Person %03d", i), EmailVerified: true})
		if err == nil {
			_, err = k.Service().AddMember(ctx, super, id, u.User.ID, domain.RoleMember)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	const the125th = "m124@example.com" // the owner joined first

	emails := func(pg page) []string {
		var out []string
		for _, m := range memberEmailRE.FindAllStringSubmatch(pg.body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	for _, q := range []string{"M124", "m124@EXAMPLE", "person 124", " Person 124 "} {
		pg := root.get(org + "/members?q=" + url.QueryEscape(q))
		wantPage(t, pg, http.StatusOK, "members")
		if got := emails(pg); len(got) != 1 || got[0] != the125th || !strings.Contains(pg.body, "1 member matching") {
			t.Fatalf("q=%q: %v\n%s", q, got, pg.body)
		}
		if strings.Contains(pg.body, `rel="next"`) || strings.Contains(pg.body, `rel="prev"`) {
			t.Fatalf("q=%q: one match has no other page", q)
		}
	}

	// Page through everyone with the Next links, then back with Previous.
	seen := map[string]bool{}
	path, pages := org+"/members", 0
	for path != "" {
		pg := root.get(path)
		wantPage(t, pg, http.StatusOK, "members")
		pages++
		got := emails(pg)
		want := 25
		if pages == 6 {
			want = 5
		}
		if len(got) != want || len(userIDRE.FindAllString(pg.body, -1)) != want {
			t.Fatalf("page %d (%s): %d members, want %d", pages, path, len(got), want)
		}
		if !strings.Contains(pg.body, fmt.Sprintf("Page %d of 6", pages)) || !strings.Contains(pg.body, "130 members") {
			t.Fatalf("page %d: no \"Page %d of 6\" or total:\n%s", pages, pages, pg.body)
		}
		if (pages == 1) == prevPageRE.MatchString(pg.body) {
			t.Fatalf("page %d: a Previous link only after the first page", pages)
		}
		for _, e := range got {
			seen[e] = true
		}
		path = ""
		if m := nextPageRE.FindStringSubmatch(pg.body); m != nil {
			path = html.UnescapeString(m[1])
		}
		if pages > 6 {
			t.Fatal("more than 6 pages")
		}
	}
	if pages != 6 || len(seen) != 130 || !seen[the125th] || !seen[portalRoot] {
		t.Fatalf("%d pages, %d distinct members", pages, len(seen))
	}
	pg := root.get(org + "/members?page=6")
	prev := prevPageRE.FindStringSubmatch(pg.body)
	if prev == nil || html.UnescapeString(prev[1]) != org+"/members?page=5" {
		t.Fatalf("page 6's Previous link: %v", prev)
	}

	// A search over several pages keeps q in its links: m1xx are 30 members.
	pg = root.get(org + "/members?q=m1")
	next := nextPageRE.FindStringSubmatch(pg.body)
	if len(emails(pg)) != 25 || !strings.Contains(pg.body, "30 members matching") || next == nil || html.UnescapeString(next[1]) != org+"/members?page=2&q=m1" {
		t.Fatalf("q=m1 page 1: next %v\n%s", next, pg.body)
	}
	pg = root.get(html.UnescapeString(next[1]))
	got := emails(pg)
	if len(got) != 5 || !strings.Contains(pg.body, "Page 2 of 2") || got[0] != "m125@example.com" || nextPageRE.MatchString(pg.body) {
		t.Fatalf("q=m1 page 2: %v\n%s", got, pg.body)
	}
	if prev := prevPageRE.FindStringSubmatch(pg.body); prev == nil || html.UnescapeString(prev[1]) != org+"/members?page=1&q=m1" {
		t.Fatalf("q=m1 page 2's Previous link: %v", prev)
	}

	// A search the use case refuses is shown in place, naming q; nothing is listed.
	pg = root.get(org + "/members?q=" + strings.Repeat("x", 101))
	wantPage(t, pg, http.StatusOK, "members")
	if a := alertOf(pg); !strings.Contains(a, "q must be at most 100 characters") || len(emails(pg)) != 0 {
		t.Fatalf("alert %q", a)
	}
	// A page past the end lists nobody and links back.
	pg = root.get(org + "/members?page=9")
	if len(emails(pg)) != 0 || !prevPageRE.MatchString(pg.body) {
		t.Fatalf("page 9:\n%s", pg.body)
	}
	// A member who may not read the organization learns nothing from a search.
	wantPage(t, signedIn(t, srv, "eve@example.com").get(org+"/members?q="+strings.Repeat("x", 101)), http.StatusForbidden, "error")
}
