package httpapi_test

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
)

func ivInvitesPath(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/invites", orgID) }

func ivInvitePath(orgID, inviteID int64) string {
	return fmt.Sprintf("/v1/organizations/%d/invites/%d", orgID, inviteID)
}

func ivPreviewPath(code string) string { return "/v1/public/invites/" + code }

func ivAcceptInvitePath(code string) string { return "/v1/invites/" + code + "/accept" }

// ivInviteKeys are the fields of an invite link as listed; the create answer adds code.
const ivInviteKeys = "code_prefix created_at created_by disabled expires_at id max_uses note organization_id role updated_at uses"

// ivWellFormed is what an invite code or invitation token looks like: 32 random bytes,
// unpadded base64url.
var ivWellFormed = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// ivCreateInvite creates an invite link as email and returns its id and code.
func (h *harness) ivCreateInvite(orgID int64, email string, body map[string]any) (int64, string) {
	h.t.Helper()
	r := h.do("POST", ivInvitesPath(orgID), email, body)
	expect(h.t, r, 201, "")
	return id(r.data()["id"]), r.data()["code"].(string)
}

// ivListedInvite returns the invite link inviteID as the owner's list shows it.
func (h *harness) ivListedInvite(orgID int64, owner string, inviteID int64) map[string]any {
	h.t.Helper()
	r := h.do("GET", ivInvitesPath(orgID), owner, nil)
	expect(h.t, r, 200, "")
	for _, it := range r.Body["data"].([]any) {
		if m := it.(map[string]any); id(m["id"]) == inviteID {
			return m
		}
	}
	h.t.Fatalf("invite %d not listed: %s", inviteID, r.Raw)
	return nil
}

// ivFields is the sorted list of fields a validation error names.
func ivFields(r response) string {
	f := r.fields()
	sort.Strings(f)
	return fmt.Sprint(f)
}

// ivUserID provisions email (GET /v1/me) and returns its user id.
func (h *harness) ivUserID(email string) int64 {
	h.t.Helper()
	r := h.do("GET", "/v1/me", email, nil)
	expect(h.t, r, 200, "")
	return id(r.data()["id"])
}

// ivMembersCount is the organization's members_count, as the superadmin reads it.
func (h *harness) ivMembersCount(orgID int64) int64 {
	h.t.Helper()
	r := h.do("GET", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, nil)
	expect(h.t, r, 200, "")
	return id(r.data()["members_count"])
}

// ivAuditActions lists the organization's audit actions that start with prefix, newest
// first, as the superadmin reads them.
func (h *harness) ivAuditActions(orgID int64, prefix string) []string {
	h.t.Helper()
	r := h.do("GET", fmt.Sprintf("/v1/organizations/%d/audit-logs?page_size=100", orgID), rootEmail, nil)
	expect(h.t, r, 200, "")
	var out []string
	for _, a := range actions(r) {
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	return out
}

// ivClock is a service clock the test moves: UTC, microsecond precision, like
// ports.SystemClock.
type ivClock struct {
	mu  sync.Mutex
	now time.Time
}

func ivNewClock() *ivClock {
	return &ivClock{now: time.Now().UTC().Truncate(time.Microsecond)}
}

func (c *ivClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *ivClock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// ivEachClockedDialect is eachDialect with the service on a ivClock.
func ivEachClockedDialect(t *testing.T, fn func(t *testing.T, h *harness, clock *ivClock)) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			clock := ivNewClock()
			fn(t, newHarness(t, d, func(deps *app.Deps) { deps.Clock = clock }), clock)
		})
	}
}

func TestInvites_Lifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("links")
		adminID := h.ivUserID(r.admin)
		expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		created := h.do("POST", ivInvitesPath(r.orgID), r.admin, map[string]any{"role": "member", "max_uses": 2,
			"note": "for the team", "expires_at": expires.Format(time.RFC3339)})
		expect(t, created, 201, "")
		d := created.data()
		if keys(created.Body) != "data" || keys(d) != "code "+ivInviteKeys {
			t.Fatalf("create answer keys: %s", created.Raw)
		}
		code, _ := d["code"].(string)
		if !ivWellFormed.MatchString(code) || d["code_prefix"] != code[:8] {
			t.Fatalf("code %q, prefix %v", code, d["code_prefix"])
		}
		for k, want := range map[string]any{"role": "member", "max_uses": 2.0, "uses": 0.0, "disabled": false,
			"note": "for the team", "expires_at": expires.Format(time.RFC3339)} {
			if d[k] != want {
				t.Errorf("%s = %v, want %v", k, d[k], want)
			}
		}
		if id(d["organization_id"]) != r.orgID || id(d["created_by"]) != adminID || id(d["id"]) <= 0 ||
			!rfc3339UTC.MatchString(d["created_at"].(string)) || d["created_at"] != d["updated_at"] {
			t.Errorf("ids/timestamps: %s", created.Raw)
		}
		inviteID := id(d["id"])

		list := h.do("GET", ivInvitesPath(r.orgID), r.owner, nil)
		expect(t, list, 200, "")
		listed := list.items(t, 1)[0].(map[string]any)
		if keys(list.Body) != "data" || keys(listed) != ivInviteKeys || strings.Contains(string(list.Raw), code) {
			t.Fatalf("the list shows more than the code's prefix: %s", list.Raw)
		}
		delete(d, "code")
		if fmt.Sprint(listed) != fmt.Sprint(d) {
			t.Errorf("listed %v, want %v", listed, d)
		}

		preview := h.do("GET", ivPreviewPath(code), "", nil)
		expect(t, preview, 200, "")
		p := preview.data()
		org, _ := p["organization"].(map[string]any)
		if keys(preview.Body) != "data" || keys(p) != "expires_at organization role" || keys(org) != "id logo_url name slug" {
			t.Fatalf("preview tells more than it should: %s", preview.Raw)
		}
		if id(org["id"]) != r.orgID || org["name"] != "Org links" || org["slug"] != "links" || org["logo_url"] != nil ||
			p["role"] != "member" || p["expires_at"] != expires.Format(time.RFC3339) {
			t.Errorf("preview %s", preview.Raw)
		}
		if cc := preview.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("preview Cache-Control %q", cc)
		}

		before := h.ivMembersCount(r.orgID)
		joiner := "joiner-links@example.com"
		h.ivUserID(joiner)
		accepted := h.do("POST", ivAcceptInvitePath(code), joiner, nil)
		expect(t, accepted, 200, "")
		if keys(accepted.Body) != "data" || keys(accepted.data()) != "organization_id role" ||
			id(accepted.data()["organization_id"]) != r.orgID || accepted.data()["role"] != "member" {
			t.Fatalf("accept answer %s", accepted.Raw)
		}
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), joiner, nil), 200, "")
		if n := h.ivMembersCount(r.orgID); n != before+1 {
			t.Errorf("members_count %d, want %d", n, before+1)
		}
		if me := h.do("GET", "/v1/me", joiner, nil).data(); fmt.Sprint(me["current_organization_id"]) != fmt.Sprint(float64(r.orgID)) {
			t.Errorf("the joiner's current organization is %v, want %d", me["current_organization_id"], r.orgID)
		}

		// Members accepting use nothing: neither the one who joined nor one who was there.
		expect(t, h.do("POST", ivAcceptInvitePath(code), joiner, nil), 409, "user_already_connected")
		expect(t, h.do("POST", ivAcceptInvitePath(code), r.viewer, nil), 409, "user_already_connected")
		if u := h.ivListedInvite(r.orgID, r.owner, inviteID)["uses"]; u != 1.0 {
			t.Fatalf("uses %v after one accept and two refused, want 1", u)
		}
		second := "second-links@example.com"
		h.ivUserID(second)
		expect(t, h.do("POST", ivAcceptInvitePath(code), second, nil), 200, "")
		if u := h.ivListedInvite(r.orgID, r.owner, inviteID)["uses"]; u != 2.0 {
			t.Errorf("uses %v after two accepts, want 2", u)
		}
		third := "third-links@example.com"
		h.ivUserID(third)
		expect(t, h.do("POST", ivAcceptInvitePath(code), third, nil), 410, "invite_exhausted")
		expect(t, h.do("GET", ivPreviewPath(code), "", nil), 410, "invite_exhausted")
		if n := h.ivMembersCount(r.orgID); n != before+2 {
			t.Errorf("members_count %d, want %d", n, before+2)
		}
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), third, nil), 403, "forbidden")

		// Disabling and re-enabling; the note is edited and cleared.
		openID, open := h.ivCreateInvite(r.orgID, r.owner, map[string]any{"role": "viewer"})
		patched := h.do("PATCH", ivInvitePath(r.orgID, openID), r.admin, map[string]any{"disabled": true, "note": "paused"})
		expect(t, patched, 200, "")
		if pd := patched.data(); keys(pd) != ivInviteKeys || pd["disabled"] != true || pd["note"] != "paused" ||
			pd["max_uses"] != nil || pd["expires_at"] != nil || pd["role"] != "viewer" {
			t.Errorf("patched %s", patched.Raw)
		}
		expect(t, h.do("GET", ivPreviewPath(open), "", nil), 410, "invite_disabled")
		expect(t, h.do("POST", ivAcceptInvitePath(open), third, nil), 410, "invite_disabled")
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), third, nil), 403, "forbidden")
		// Disabled is answered before exhausted.
		expect(t, h.do("PATCH", ivInvitePath(r.orgID, inviteID), r.owner, map[string]any{"disabled": true}), 200, "")
		expect(t, h.do("GET", ivPreviewPath(code), "", nil), 410, "invite_disabled")

		reenabled := h.do("PATCH", ivInvitePath(r.orgID, openID), r.owner, map[string]any{"disabled": false, "note": nil})
		expect(t, reenabled, 200, "")
		if rd := reenabled.data(); rd["disabled"] != false || rd["note"] != nil {
			t.Errorf("re-enabled %s", reenabled.Raw)
		}
		accepted = h.do("POST", ivAcceptInvitePath(open), third, nil)
		expect(t, accepted, 200, "")
		if accepted.data()["role"] != "viewer" {
			t.Errorf("joined as %v, want viewer", accepted.data()["role"])
		}
		if u := h.ivListedInvite(r.orgID, r.owner, openID)["uses"]; u != 1.0 {
			t.Errorf("unlimited invite: uses %v, want 1", u)
		}

		// Another organization's invite is not found through this one.
		elsewhere := h.createOrg("elsewhere")
		foreignID, foreign := h.ivCreateInvite(elsewhere, rootEmail, map[string]any{"role": "member"})
		expect(t, h.do("PATCH", ivInvitePath(r.orgID, foreignID), r.owner, map[string]any{"disabled": true}), 404, "invite_not_found")
		expect(t, h.do("PATCH", ivInvitePath(r.orgID, 999999), r.owner, map[string]any{"disabled": true}), 404, "invite_not_found")
		expect(t, h.do("GET", ivPreviewPath(foreign), "", nil), 200, "")
		h.do("GET", ivInvitesPath(r.orgID), r.owner, nil).items(t, 2)

		audit := fmt.Sprint(h.ivAuditActions(r.orgID, "invite."))
		want := "[invite.accepted invite.updated invite.updated invite.updated invite.created invite.accepted invite.accepted invite.created]"
		if audit != want {
			t.Errorf("invite audit\n got %s\nwant %s", audit, want)
		}
		rec := h.do("GET", fmt.Sprintf("/v1/organizations/%d/audit-logs?action=invite.accepted&actor=%s", r.orgID, second), rootEmail, nil).items(t, 1)[0].(map[string]any)
		if fmt.Sprint(rec["target_id"]) != fmt.Sprint(inviteID) || rec["target_type"] != "invite" {
			t.Errorf("accept record %v", rec)
		}
	})
}

func TestInvites_NotFound(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("missing")
	_, code := h.ivCreateInvite(r.orgID, r.owner, map[string]any{"role": "member"})
	h.ivUserID("stranger@example.com")
	unknown := strings.Repeat("A", 43)
	for _, c := range []string{
		unknown,
		code[:42],              // too short
		code + "A",             // too long
		code[:42] + "!",        // not base64url
		strings.ToUpper(code),  // another code (unless it was all upper case already)
		code[:8] + unknown[8:], // the right prefix only
		"short",
	} {
		if c == code {
			continue
		}
		expect(t, h.do("GET", ivPreviewPath(c), "", nil), 404, "invite_not_found")
		expect(t, h.do("POST", ivAcceptInvitePath(c), "stranger@example.com", nil), 404, "invite_not_found")
	}
	// An invite of an organization that is not active is not found.
	expect(t, h.do("GET", ivPreviewPath(code), "", nil), 200, "")
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", r.orgID), rootEmail, map[string]any{"status": "suspended"}), 200, "")
	expect(t, h.do("GET", ivPreviewPath(code), "", nil), 404, "invite_not_found")
	expect(t, h.do("POST", ivAcceptInvitePath(code), "stranger@example.com", nil), 404, "invite_not_found")
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", r.orgID), rootEmail, map[string]any{"status": "active"}), 200, "")
	expect(t, h.do("POST", ivAcceptInvitePath(code), "stranger@example.com", nil), 200, "")
	// Accepting needs a token; previewing does not.
	expect(t, h.do("POST", ivAcceptInvitePath(code), "", nil), 401, "")
}

// TestInvites_Expiry moves the service's clock past an invite's expires_at.
func TestInvites_Expiry(t *testing.T) {
	ivEachClockedDialect(t, func(t *testing.T, h *harness, clock *ivClock) {
		r := h.orgWithRoles("expiry")
		expires := clock.Now().Add(time.Hour)
		_, code := h.ivCreateInvite(r.orgID, r.admin, map[string]any{"role": "viewer", "expires_at": expires.Format(time.RFC3339Nano)})
		late := "late-expiry@example.com"
		h.ivUserID(late)
		expect(t, h.do("GET", ivPreviewPath(code), "", nil), 200, "")

		clock.add(time.Hour - time.Microsecond)
		expect(t, h.do("GET", ivPreviewPath(code), "", nil), 200, "")
		clock.add(time.Microsecond) // expires_at itself is past
		expect(t, h.do("GET", ivPreviewPath(code), "", nil), 410, "invite_expired")
		expect(t, h.do("POST", ivAcceptInvitePath(code), late, nil), 410, "invite_expired")
		expect(t, h.do("GET", fmt.Sprintf("/v1/organizations/%d", r.orgID), late, nil), 403, "forbidden")
		if n := h.ivMembersCount(r.orgID); n != 4 {
			t.Errorf("members_count %d, want 4", n)
		}

		// expires_at is checked against the same clock when the link is made.
		past := clock.Now().Add(-time.Second).Format(time.RFC3339Nano)
		res := h.do("POST", ivInvitesPath(r.orgID), r.admin, map[string]any{"role": "viewer", "expires_at": past})
		expect(t, res, 400, "validation_error")
		if fmt.Sprint(res.fields()) != "[expires_at]" {
			t.Errorf("fields %v", res.fields())
		}
		res = h.do("POST", ivInvitesPath(r.orgID), r.admin, map[string]any{"role": "viewer", "expires_at": clock.Now().Format(time.RFC3339Nano)})
		expect(t, res, 400, "validation_error")
		tooFar := clock.Now().Add(367 * 24 * time.Hour).Format(time.RFC3339)
		res = h.do("POST", ivInvitesPath(r.orgID), r.admin, map[string]any{"role": "viewer", "expires_at": tooFar})
		expect(t, res, 400, "validation_error")
	})
}

func TestInvites_Validation(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("checks")
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name   string
		as     string
		body   any
		fields string
	}{
		{"missing role", r.admin, map[string]any{}, "[role]"},
		{"null role", r.admin, map[string]any{"role": nil}, "[role]"},
		{"owner by owner", r.owner, map[string]any{"role": "owner"}, "[role]"},
		{"owner by admin", r.admin, map[string]any{"role": "owner"}, "[role]"},
		{"owner by superadmin", rootEmail, map[string]any{"role": "owner"}, "[role]"},
		{"unknown role", r.admin, map[string]any{"role": "superuser"}, "[role]"},
		{"empty role", r.admin, map[string]any{"role": ""}, "[role]"},
		{"role not a string", r.admin, map[string]any{"role": 3}, "[role]"},
		{"expires_at past", r.admin, map[string]any{"role": "member", "expires_at": past}, "[expires_at]"},
		{"expires_at not a time", r.admin, map[string]any{"role": "member", "expires_at": "tomorrow"}, "[expires_at]"},
		{"expires_at a number", r.admin, map[string]any{"role": "member", "expires_at": 1893456000}, "[expires_at]"},
		{"max_uses 0", r.admin, map[string]any{"role": "member", "max_uses": 0}, "[max_uses]"},
		{"max_uses negative", r.admin, map[string]any{"role": "member", "max_uses": -1}, "[max_uses]"},
		{"max_uses too many", r.admin, map[string]any{"role": "member", "max_uses": 100001}, "[max_uses]"},
		{"max_uses a string", r.admin, map[string]any{"role": "member", "max_uses": "3"}, "[max_uses]"},
		{"max_uses a fraction", r.admin, map[string]any{"role": "member", "max_uses": 2.5}, "[max_uses]"},
		{"note nul", r.admin, map[string]any{"role": "member", "note": "a\x00b"}, "[note]"},
		{"note too long", r.admin, map[string]any{"role": "member", "note": strings.Repeat("é", 501)}, "[note]"},
		{"note not a string", r.admin, map[string]any{"role": "member", "note": []string{"x"}}, "[note]"},
		{"unknown field", r.admin, map[string]any{"role": "member", "bogus": 1}, "[bogus]"},
		{"server fields", r.admin, map[string]any{"role": "member", "code": "x", "uses": 5, "disabled": true}, "[code disabled uses]"},
		{"every bad field", r.admin, map[string]any{"role": "owner", "expires_at": past, "max_uses": 0, "note": "\x00"}, "[expires_at max_uses note role]"},
		{"not an object", r.admin, "[]", "[body]"},
		{"not JSON", r.admin, "{", "[body]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := h.do("POST", ivInvitesPath(r.orgID), c.as, c.body)
			expect(t, res, 400, "validation_error")
			if got := ivFields(res); got != c.fields {
				t.Errorf("fields %s, want %s: %s", got, c.fields, res.Raw)
			}
		})
	}
	h.t = t
	h.do("GET", ivInvitesPath(r.orgID), r.owner, nil).items(t, 0)

	// What is allowed: an admin gives admin, member and viewer; a note of 500 characters.
	for _, role := range []string{"admin", "member", "viewer"} {
		res := h.do("POST", ivInvitesPath(r.orgID), r.admin, map[string]any{"role": role, "expires_at": future, "max_uses": 100000})
		expect(t, res, 201, "")
		if res.data()["role"] != role {
			t.Errorf("created %s, want %s", res.data()["role"], role)
		}
	}
	expect(t, h.do("POST", ivInvitesPath(r.orgID), r.admin, map[string]any{"role": "member", "note": strings.Repeat("é", 500), "expires_at": nil, "max_uses": nil}), 201, "")
	list := h.do("GET", ivInvitesPath(r.orgID), r.owner, nil)
	items := list.items(t, 4)
	if first := items[0].(map[string]any); first["expires_at"] != nil || first["max_uses"] != nil {
		t.Errorf("nulls are not stored as nulls: %v (newest first)", first)
	}

	// PATCH takes disabled and note only.
	inviteID := id(items[0].(map[string]any)["id"])
	for _, c := range []struct {
		name   string
		path   string
		body   any
		fields string
	}{
		{"null disabled", ivInvitePath(r.orgID, inviteID), map[string]any{"disabled": nil}, "[disabled]"},
		{"disabled a string", ivInvitePath(r.orgID, inviteID), map[string]any{"disabled": "yes"}, "[disabled]"},
		{"role", ivInvitePath(r.orgID, inviteID), map[string]any{"role": "viewer"}, "[role]"},
		{"immutable fields", ivInvitePath(r.orgID, inviteID), map[string]any{"max_uses": 3, "expires_at": future, "code": "x"}, "[code expires_at max_uses]"},
		{"note nul", ivInvitePath(r.orgID, inviteID), map[string]any{"note": "\x00"}, "[note]"},
		{"unknown field", ivInvitePath(r.orgID, inviteID), map[string]any{"colour": "red"}, "[colour]"},
		{"invite id letters", ivInvitesPath(r.orgID) + "/abc", map[string]any{"disabled": true}, "[inviteId]"},
		{"invite id zero", ivInvitesPath(r.orgID) + "/0", map[string]any{"disabled": true}, "[inviteId]"},
		{"invite id leading zero", fmt.Sprintf("%s/0%d", ivInvitesPath(r.orgID), inviteID), map[string]any{"disabled": true}, "[inviteId]"},
		{"invite id nul", ivInvitesPath(r.orgID) + "/1%00", map[string]any{"disabled": true}, "[inviteId]"},
		{"org id", fmt.Sprintf("/v1/organizations/x/invites/%d", inviteID), map[string]any{"disabled": true}, "[id]"},
	} {
		t.Run("patch "+c.name, func(t *testing.T) {
			res := h.do("PATCH", c.path, r.owner, c.body)
			expect(t, res, 400, "validation_error")
			if got := ivFields(res); got != c.fields {
				t.Errorf("fields %s, want %s: %s", got, c.fields, res.Raw)
			}
		})
	}
	h.t = t
	if got := h.ivListedInvite(r.orgID, r.owner, inviteID); got["disabled"] != false || got["note"] != strings.Repeat("é", 500) {
		t.Errorf("a refused patch changed the invite: %v", got)
	}
	// An outsider's bad input is answered with what it may not do, not with what is wrong.
	expect(t, h.do("POST", ivInvitesPath(r.orgID), r.outsider, map[string]any{"role": "owner"}), 403, "forbidden")
	expect(t, h.do("PATCH", ivInvitePath(r.orgID, inviteID), r.member, map[string]any{"role": "owner"}), 403, "forbidden")
	// A code that is not text is a validation error naming it.
	res := h.do("GET", ivPreviewPath("a%00b"), "", nil)
	expect(t, res, 400, "validation_error")
	if fmt.Sprint(res.fields()) != "[code]" {
		t.Errorf("preview fields %v", res.fields())
	}
	res = h.do("POST", ivAcceptInvitePath("a%00b"), r.outsider, nil)
	expect(t, res, 400, "validation_error")
	if fmt.Sprint(res.fields()) != "[code]" {
		t.Errorf("accept fields %v", res.fields())
	}
}

// TestInvites_BadInputOnBothDatabases: one malformed request per route, on each database.
func TestInvites_BadInputOnBothDatabases(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("bad")
		for _, c := range []struct {
			method, path string
			body         any
			fields       string
		}{
			{"POST", ivInvitesPath(r.orgID), map[string]any{"role": "member\x00"}, "[role]"},
			{"POST", ivInvitesPath(r.orgID), map[string]any{"role": "member", "note": "n\x00te"}, "[note]"},
			{"POST", ivInvitesPath(r.orgID), map[string]any{"role": "member", "max_uses": "ten", "extra": true}, "[extra max_uses]"},
			{"POST", fmt.Sprintf("/v1/organizations/%d/invitations", r.orgID), map[string]any{"email": "ann\x00@example.com"}, "[email]"},
			{"PATCH", ivInvitesPath(r.orgID) + "/-1", map[string]any{"disabled": 1}, "[disabled inviteId]"},
			{"POST", fmt.Sprintf("/v1/organizations/%d/invitations/x/resend", r.orgID), nil, "[invitationId]"},
		} {
			res := h.do(c.method, c.path, r.admin, c.body)
			expect(t, res, 400, "validation_error")
			if got := ivFields(res); got != c.fields {
				t.Errorf("%s %s: fields %s, want %s", c.method, c.path, got, c.fields)
			}
		}
		h.do("GET", ivInvitesPath(r.orgID), r.owner, nil).items(t, 0)
		h.do("GET", fmt.Sprintf("/v1/organizations/%d/invitations", r.orgID), r.owner, nil).items(t, 0)
	})
}

// TestInvites_Authorization checks every invite and invitation route for each kind of
// caller: the superadmin, the four roles, an admin of another organization and no token.
func TestInvites_Authorization(t *testing.T) {
	h := sqlite(t)
	type fixture struct {
		roles
		inviteID    int64
		code        string
		invitations map[string]int64 // caller -> an invitation of their own to resend or revoke
		token       string           // of an invitation to someone who is none of the callers
	}
	callers := []string{"anonymous", "outsider", "viewer", "member", "admin", "owner", "superadmin"}
	type want map[string]int
	managers := func(ok int) want {
		return want{"superadmin": ok, "owner": ok, "admin": ok, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}
	}
	cases := []struct {
		name   string
		method string
		path   func(f *fixture, caller string) string
		body   func(caller string) any
		want   want
		mails  int // sent by the callers' requests
	}{
		{"list invites", "GET", func(f *fixture, _ string) string { return ivInvitesPath(f.orgID) }, nil, managers(200), 0},
		{"create invite", "POST", func(f *fixture, _ string) string { return ivInvitesPath(f.orgID) },
			func(string) any { return map[string]any{"role": "viewer"} }, managers(201), 0},
		{"update invite", "PATCH", func(f *fixture, _ string) string { return ivInvitePath(f.orgID, f.inviteID) },
			func(c string) any { return map[string]any{"note": "by " + c} }, managers(200), 0},
		{"preview invite", "GET", func(f *fixture, _ string) string { return ivPreviewPath(f.code) }, nil,
			want{"superadmin": 200, "owner": 200, "admin": 200, "member": 200, "viewer": 200, "outsider": 200, "anonymous": 200}, 0},
		{"accept invite", "POST", func(f *fixture, _ string) string { return ivAcceptInvitePath(f.code) }, nil,
			want{"superadmin": 200, "owner": 409, "admin": 409, "member": 409, "viewer": 409, "outsider": 200, "anonymous": 401}, 0},
		{"list invitations", "GET", func(f *fixture, _ string) string { return fmt.Sprintf("/v1/organizations/%d/invitations", f.orgID) }, nil, managers(200), 0},
		{"create invitation", "POST", func(f *fixture, _ string) string { return fmt.Sprintf("/v1/organizations/%d/invitations", f.orgID) },
			func(c string) any { return map[string]any{"email": "new-" + c + "@example.com", "role": "viewer"} }, managers(201), 3},
		{"resend invitation", "POST", func(f *fixture, c string) string {
			return fmt.Sprintf("/v1/organizations/%d/invitations/%d/resend", f.orgID, f.invitations[c])
		}, nil, managers(200), 3},
		{"revoke invitation", "DELETE", func(f *fixture, c string) string {
			return fmt.Sprintf("/v1/organizations/%d/invitations/%d", f.orgID, f.invitations[c])
		}, nil, managers(204), 0},
		{"accept another's invitation", "POST", func(f *fixture, _ string) string { return "/v1/invitations/" + f.token + "/accept" }, nil,
			want{"superadmin": 403, "owner": 403, "admin": 403, "member": 403, "viewer": 403, "outsider": 403, "anonymous": 401}, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h.t = t
			f := &fixture{roles: h.orgWithRoles(fmt.Sprintf("inv-authz-%d", i)), invitations: map[string]int64{}}
			f.inviteID, f.code = h.ivCreateInvite(f.orgID, f.owner, map[string]any{"role": "viewer"})
			for _, caller := range callers {
				r := h.do("POST", fmt.Sprintf("/v1/organizations/%d/invitations", f.orgID), f.owner,
					map[string]any{"email": fmt.Sprintf("%s-%d@example.com", caller, i)})
				expect(t, r, 201, "")
				f.invitations[caller] = id(r.data()["id"])
			}
			msgs := h.ivDeliverNew(len(callers))
			f.token = ivToken(t, msgs[len(msgs)-1])
			emails := map[string]string{"superadmin": rootEmail, "owner": f.owner, "admin": f.admin,
				"member": f.member, "viewer": f.viewer, "outsider": f.outsider, "anonymous": ""}
			for _, caller := range callers {
				var body any
				if c.body != nil {
					body = c.body(caller)
				}
				got := h.do(c.method, c.path(f, caller), emails[caller], body)
				if got.Status != c.want[caller] {
					t.Errorf("%s: got %d %s, want %d", caller, got.Status, got.Raw, c.want[caller])
				}
			}
			h.ivDeliverNew(c.mails)
		})
	}
}
