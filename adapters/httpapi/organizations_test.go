package httpapi_test

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
)

var rfc3339UTC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)

func TestOrganizations_Create(t *testing.T) {
	h := sqlite(t)
	t.Run("success shape", func(t *testing.T) {
		r := h.do("POST", "/v1/organizations", rootEmail, map[string]any{
			"name": "HealthCorp", "slug": "healthcorp", "tagline": "Healthcare solutions",
			"email": "info@healthcorp.nl", "location": "Rotterdam, Netherlands", "language_code": "en",
			"settings": map[string]any{"allow_public_signup": true}, "metadata": map[string]any{"tier": "gold"},
		})
		expect(t, r, 201, "")
		d := r.data()
		for k, want := range map[string]any{
			"name": "HealthCorp", "slug": "healthcorp", "tagline": "Healthcare solutions", "description": nil,
			"email": "info@healthcorp.nl", "phone": nil, "website": nil, "location": "Rotterdam, Netherlands",
			"logo_url": nil, "icon_url": nil, "language_code": "en", "template_terms_id": nil,
			"template_policy_id": nil, "status": "active", "members_count": float64(1),
		} {
			if v, ok := d[k]; !ok || v != want {
				t.Errorf("%s = %v (present %t), want %v", k, v, ok, want)
			}
		}
		if fmt.Sprint(d["settings"]) != "map[allow_public_signup:true default_role:member require_email_verification:true]" ||
			fmt.Sprint(d["metadata"]) != "map[tier:gold]" {
			t.Errorf("settings %v metadata %v", d["settings"], d["metadata"])
		}
		if id(d["id"]) <= 0 || !rfc3339UTC.MatchString(d["created_at"].(string)) || d["created_at"] != d["updated_at"] {
			t.Errorf("id/timestamps: %v %v %v", d["id"], d["created_at"], d["updated_at"])
		}
		me := h.do("GET", "/v1/me", rootEmail, nil).data()
		if fmt.Sprint(me["organization_ids"]) != fmt.Sprintf("[%v]", d["id"]) {
			t.Errorf("creator is not a member: %v", me["organization_ids"])
		}
	})
	t.Run("slug taken", func(t *testing.T) {
		expect(t, h.do("POST", "/v1/organizations", rootEmail, map[string]any{"name": "Other", "slug": "healthcorp"}), 409, "slug_taken")
	})
	bad := []struct {
		name   string
		body   any
		fields string
	}{
		{"missing name and slug", map[string]any{}, "[name slug]"},
		{"null name", map[string]any{"name": nil, "slug": "abc"}, "[name]"},
		{"short name", map[string]any{"name": "A", "slug": "abc"}, "[name]"},
		{"long name", map[string]any{"name": strings.Repeat("a", 101), "slug": "abc"}, "[name]"},
		{"padded name", map[string]any{"name": " Acme ", "slug": "abc"}, "[name]"},
		{"short slug", map[string]any{"name": "Acme", "slug": "ab"}, "[slug]"},
		{"long slug", map[string]any{"name": "Acme", "slug": strings.Repeat("a", 51)}, "[slug]"},
		{"uppercase slug", map[string]any{"name": "Acme", "slug": "Acme"}, "[slug]"},
		{"leading hyphen", map[string]any{"name": "Acme", "slug": "-acme"}, "[slug]"},
		{"trailing hyphen", map[string]any{"name": "Acme", "slug": "acme-"}, "[slug]"},
		{"double hyphen", map[string]any{"name": "Acme", "slug": "ac--me"}, "[slug]"},
		{"underscore", map[string]any{"name": "Acme", "slug": "ac_me"}, "[slug]"},
		{"reserved slug", map[string]any{"name": "Acme", "slug": "admin"}, "[slug]"},
		{"bad email", map[string]any{"name": "Acme", "slug": "acme", "email": "nope"}, "[email]"},
		{"email with name", map[string]any{"name": "Acme", "slug": "acme", "email": "A <a@b.co>"}, "[email]"},
		{"bad website", map[string]any{"name": "Acme", "slug": "acme", "website": "ftp://x.com"}, "[website]"},
		{"relative logo", map[string]any{"name": "Acme", "slug": "acme", "logo_url": "/logo.png"}, "[logo_url]"},
		{"bad language", map[string]any{"name": "Acme", "slug": "acme", "language_code": "English"}, "[language_code]"},
		{"bad phone", map[string]any{"name": "Acme", "slug": "acme", "phone": "call me"}, "[phone]"},
		{"zero template", map[string]any{"name": "Acme", "slug": "acme", "template_terms_id": 0}, "[template_terms_id]"},
		{"fractional template", map[string]any{"name": "Acme", "slug": "acme", "template_policy_id": 1.5}, "[template_policy_id]"},
		{"wrong type", map[string]any{"name": 5, "slug": true}, "[name slug]"},
		{"unknown field", map[string]any{"name": "Acme", "slug": "acme", "color": "red"}, "[color]"},
		{"status on create", map[string]any{"name": "Acme", "slug": "acme", "status": "archived"}, "[status]"},
		{"id on create", map[string]any{"name": "Acme", "slug": "acme", "id": 9}, "[id]"},
		{"owner default role", map[string]any{"name": "Acme", "slug": "acme", "settings": map[string]any{"default_role": "owner"}}, "[settings.default_role]"},
		{"unknown setting", map[string]any{"name": "Acme", "slug": "acme", "settings": map[string]any{"x": 1}}, "[settings.x]"},
		{"metadata not object", map[string]any{"name": "Acme", "slug": "acme", "metadata": []int{1}}, "[metadata]"},
		{"metadata too big", map[string]any{"name": "Acme", "slug": "acme", "metadata": map[string]any{"k": strings.Repeat("x", 9000)}}, "[metadata]"},
		{"array body", "[]", "[body]"},
		{"malformed json", `{"name":`, "[body]"},
		{"empty body", "", "[body]"},
		{"two objects", `{"name":"Acme","slug":"acme"}{}`, "[body]"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			r := h.do("POST", "/v1/organizations", rootEmail, c.body)
			expect(t, r, 400, "validation_error")
			if got := fmt.Sprint(r.fields()); got != c.fields {
				t.Errorf("fields %s, want %s", got, c.fields)
			}
		})
	}
	t.Run("nothing written on bad input", func(t *testing.T) {
		list := h.do("GET", "/v1/organizations", rootEmail, nil)
		if list.Body["meta"].(map[string]any)["total"] != float64(1) {
			t.Errorf("bad requests wrote rows: %s", list.Raw)
		}
		list.items(t, 1)
	})
}

// TestOrganizations_CreateRace: fifty concurrent creates of one slug leave one winner.
func TestOrganizations_CreateRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		const n = 50
		statuses := make([]int, n)
		root := h.token(rootEmail)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body, err := h.send("POST", "/v1/organizations", root, map[string]any{"name": fmt.Sprintf("Race %d", i), "slug": "race"})
				if err != nil {
					t.Errorf("create %d: %v %s", i, err, body)
				}
				statuses[i] = code
			}()
		}
		wg.Wait()
		count := map[int]int{}
		for _, s := range statuses {
			count[s]++
		}
		if count[201] != 1 || count[409] != n-1 {
			t.Fatalf("statuses %v, want one 201 and %d 409", count, n-1)
		}
	})
}

func TestOrganizations_List(t *testing.T) {
	h := sqlite(t)
	for _, s := range []string{"charlie", "alpha", "bravo"} {
		h.createOrg(s)
	}
	archived := h.createOrg("delta")
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", archived), rootEmail, map[string]any{"status": "archived"}), 200, "")
	slugs := func(r response) string {
		var out []string
		for _, o := range r.Body["data"].([]any) {
			out = append(out, o.(map[string]any)["slug"].(string))
		}
		return fmt.Sprint(out)
	}
	cases := []struct{ query, slugs, meta string }{
		{"", "[alpha bravo charlie delta]", "map[cursor:<nil> page:1 page_size:25 total:4 total_pages:1]"},
		{"?sort=-name", "[delta charlie bravo alpha]", ""},
		{"?sort=created_at", "[charlie alpha bravo delta]", ""},
		{"?sort=-updated_at", "[delta bravo alpha charlie]", ""},
		{"?page=2&page_size=3", "[delta]", "map[cursor:<nil> page:2 page_size:3 total:4 total_pages:2]"},
		{"?page=3&page_size=3", "[]", "map[cursor:<nil> page:3 page_size:3 total:4 total_pages:2]"},
		{"?q=HAR", "[charlie]", ""},
		{"?status=archived", "[delta]", "map[cursor:<nil> page:1 page_size:25 total:1 total_pages:1]"},
		{"?status=active&q=a", "[alpha bravo charlie]", ""},
	}
	for _, c := range cases {
		r := h.do("GET", "/v1/organizations"+c.query, rootEmail, nil)
		expect(t, r, 200, "")
		if got := slugs(r); got != c.slugs {
			t.Errorf("%s: %s, want %s", c.query, got, c.slugs)
		}
		if c.meta != "" && fmt.Sprint(r.Body["meta"]) != c.meta {
			t.Errorf("%s: meta %v, want %s", c.query, r.Body["meta"], c.meta)
		}
	}
	for _, c := range []struct{ query, field string }{
		{"?sort=slug", "sort"}, {"?sort=-", "sort"}, {"?page=0", "page"}, {"?page=x", "page"},
		{"?page_size=101", "page_size"}, {"?page_size=0", "page_size"}, {"?status=deleted", "status"},
		{"?q=" + strings.Repeat("a", 101), "q"},
	} {
		r := h.do("GET", "/v1/organizations"+c.query, rootEmail, nil)
		expect(t, r, 400, "validation_error")
		if fmt.Sprint(r.fields()) != "["+c.field+"]" {
			t.Errorf("%s: fields %v", c.query, r.fields())
		}
	}
	expect(t, h.do("GET", "/v1/organizations", "", nil), 401, "unauthorized")
}

func TestOrganizations_Get(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	r := h.do("GET", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, nil)
	expect(t, r, 200, "")
	if r.data()["slug"] != "acme" || r.data()["members_count"] != float64(1) {
		t.Errorf("body %s", r.Raw)
	}
	bySlug := h.do("GET", "/v1/organizations/slug/ACME", rootEmail, nil)
	expect(t, bySlug, 200, "")
	if id(bySlug.data()["id"]) != orgID {
		t.Errorf("slug lookup returned %v", bySlug.data()["id"])
	}
	expect(t, h.do("GET", "/v1/organizations/999", rootEmail, nil), 404, "organization_not_found")
	expect(t, h.do("GET", "/v1/organizations/slug/nope", rootEmail, nil), 404, "organization_not_found")
	expect(t, h.do("GET", "/v1/organizations/abc", rootEmail, nil), 400, "validation_error")
	expect(t, h.do("GET", "/v1/organizations/-1", rootEmail, nil), 400, "validation_error")
	expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", orgID), "", nil), 401, "unauthorized")
	expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", orgID), "stranger@example.com", nil), 403, "forbidden")
}

func TestOrganizations_Update(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	path := fmt.Sprintf("/v1/organizations/%d", orgID)
	expect(t, h.do("PATCH", path, rootEmail, map[string]any{
		"tagline": "Old", "location": "Paris", "metadata": map[string]any{"a": 1}, "template_terms_id": 10,
	}), 200, "")

	r := h.do("PATCH", path, rootEmail, map[string]any{
		"name": "Acme NL", "tagline": nil, "website": "https://acme.nl", "template_terms_id": nil,
		"settings": map[string]any{"require_email_verification": false}, "metadata": map[string]any{"b": "2"},
	})
	expect(t, r, 200, "")
	d := r.data()
	if d["name"] != "Acme NL" || d["tagline"] != nil || d["location"] != "Paris" || d["website"] != "https://acme.nl" ||
		d["template_terms_id"] != nil || d["slug"] != "acme" {
		t.Errorf("patch result %s", r.Raw)
	}
	if fmt.Sprint(d["settings"]) != "map[allow_public_signup:false default_role:member require_email_verification:false]" ||
		fmt.Sprint(d["metadata"]) != "map[b:2]" {
		t.Errorf("settings %v metadata %v", d["settings"], d["metadata"])
	}
	if d["updated_at"] == nil || d["created_at"] == nil {
		t.Errorf("timestamps missing")
	}
	before := h.do("GET", path, rootEmail, nil).Raw
	if empty := h.do("PATCH", path, rootEmail, map[string]any{}); empty.Status != 200 || fmt.Sprint(empty.data()) != fmt.Sprint(h.do("GET", path, rootEmail, nil).data()) {
		t.Errorf("empty patch: %s", empty.Raw)
	}

	for _, c := range []struct {
		name   string
		body   any
		fields string
	}{
		{"slug", map[string]any{"slug": "other"}, "[slug]"},
		{"id", map[string]any{"id": 5}, "[id]"},
		{"created_at", map[string]any{"created_at": "2020-01-01T00:00:00Z"}, "[created_at]"},
		{"unknown", map[string]any{"nickname": "x"}, "[nickname]"},
		{"null name", map[string]any{"name": nil}, "[name]"},
		{"null settings", map[string]any{"settings": nil}, "[settings]"},
		{"null setting", map[string]any{"settings": map[string]any{"allow_public_signup": nil}}, "[settings.allow_public_signup]"},
		{"bad status", map[string]any{"status": "gone"}, "[status]"},
		{"valid and invalid together", map[string]any{"tagline": "ok", "email": "bad"}, "[email]"},
		{"not an object", "[1]", "[body]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := h.do("PATCH", path, rootEmail, c.body)
			expect(t, r, 400, "validation_error")
			if got := fmt.Sprint(r.fields()); got != c.fields {
				t.Errorf("fields %s, want %s", got, c.fields)
			}
		})
	}
	if after := h.do("GET", path, rootEmail, nil).Raw; string(after) != string(before) {
		t.Errorf("a rejected patch changed the organization:\n%s\n%s", before, after)
	}
	expect(t, h.do("PATCH", "/v1/organizations/999", rootEmail, map[string]any{"tagline": "x"}), 404, "organization_not_found")
	expect(t, h.do("PATCH", path, "", map[string]any{"tagline": "x"}), 401, "unauthorized")
}

func TestOrganizations_Delete(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("doomed")
		path := fmt.Sprintf("/v1/organizations/%d", r.orgID)
		expect(t, h.do("PUT", "/v1/me/switch-organization", r.member, map[string]any{"organization_id": r.orgID}), 200, "")
		expect(t, h.do("DELETE", path, r.owner, nil), 403, "forbidden")
		res := h.do("DELETE", path, rootEmail, nil)
		if res.Status != http.StatusNoContent || len(res.Raw) != 0 {
			t.Fatalf("delete: %d %s", res.Status, res.Raw)
		}
		expect(t, h.do("GET", path, rootEmail, nil), 404, "organization_not_found")
		me := h.do("GET", "/v1/me", r.member, nil).data()
		if fmt.Sprint(me["organization_ids"]) != "[]" || me["current_organization_id"] != nil {
			t.Errorf("member still linked: %v", me)
		}
		expect(t, h.do("DELETE", path, rootEmail, nil), 404, "organization_not_found")
		// The slug is free again.
		expect(t, h.do("POST", "/v1/organizations", rootEmail, map[string]any{"name": "Again", "slug": "doomed"}), 201, "")
	})
}

func TestOrganizations_ConnectUser(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("acme")
	path := fmt.Sprintf("/v1/organizations/%d/connect-user", r.orgID)
	expect(t, h.do("GET", "/v1/me", "newbie@example.com", nil), 200, "")
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", r.orgID), r.admin, map[string]any{"settings": map[string]any{"default_role": "viewer"}}), 200, "")

	res := h.do("POST", path, r.admin, map[string]any{"email": "NEWBIE@example.com"})
	expect(t, res, 200, "")
	d := res.data()
	if id(d["organization_id"]) != r.orgID || id(d["user_id"]) <= 0 || d["message"] != "User connected successfully" || d["role"] != "viewer" {
		t.Errorf("shape %s", res.Raw)
	}
	me := h.do("GET", "/v1/me", "newbie@example.com", nil).data()
	if fmt.Sprint(me["organization_ids"]) != fmt.Sprintf("[%d]", r.orgID) || id(me["current_organization_id"]) != r.orgID {
		t.Errorf("newbie's me: %v", me)
	}
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", r.orgID), "newbie@example.com", map[string]any{"tagline": "x"}), 403, "forbidden")

	expect(t, h.do("POST", path, r.admin, map[string]any{"email": "newbie@example.com"}), 409, "user_already_connected")
	expect(t, h.do("POST", path, r.admin, map[string]any{"email": "ghost@example.com"}), 404, "user_not_found")
	expect(t, h.do("POST", "/v1/organizations/999/connect-user", rootEmail, map[string]any{"email": "newbie@example.com"}), 404, "organization_not_found")
	for _, body := range []any{map[string]any{}, map[string]any{"email": "not-an-email"}, map[string]any{"email": 7}, map[string]any{"email": "a@b.co", "role": "boss"}, map[string]any{"email": "a@b.co", "extra": 1}} {
		expect(t, h.do("POST", path, r.admin, body), 400, "validation_error")
	}
	expect(t, h.do("POST", path, "", map[string]any{"email": "newbie@example.com"}), 401, "unauthorized")
}

// TestOrganizations_ConnectUserRace: concurrent connects of one user make one membership.
func TestOrganizations_ConnectUserRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("acme")
		expect(t, h.do("GET", "/v1/me", "racer@example.com", nil), 200, "")
		statuses := make([]int, 10)
		root := h.token(rootEmail)
		var wg sync.WaitGroup
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				code, body, err := h.send("POST", fmt.Sprintf("/v1/organizations/%d/connect-user", orgID), root, map[string]any{"email": "racer@example.com"})
				if err != nil {
					t.Errorf("connect %d: %v %s", i, err, body)
				}
				statuses[i] = code
			}()
		}
		wg.Wait()
		sort.Ints(statuses)
		if fmt.Sprint(statuses) != "[200 409 409 409 409 409 409 409 409 409]" {
			t.Fatalf("statuses %v", statuses)
		}
	})
}
