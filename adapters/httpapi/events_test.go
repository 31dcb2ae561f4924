package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

const eventKeys = "actor created_at data id organization_id type"

func eventsPath(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/events", orgID) }

// evItems returns the events of a list answer, failing unless there are exactly want.
func evItems(t testing.TB, r response, want int) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, it := range r.items(t, want) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func evTypes(events []map[string]any) string {
	var types []string
	for _, e := range events {
		types = append(types, e["type"].(string))
	}
	return strings.Join(types, " ")
}

// evData is the data of the first event of type typ.
func evData(t testing.TB, events []map[string]any, typ string) map[string]any {
	t.Helper()
	for _, e := range events {
		if e["type"] == typ {
			return e["data"].(map[string]any)
		}
	}
	t.Fatalf("no %s event", typ)
	return nil
}

func TestEvents_Stream(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		rootID := h.mtUserID(rootEmail)
		orgID := h.createOrg("stream")
		h.mtConnect(orgID, "ann@example.com", "member")
		expect(t, h.do("PATCH", mtOrg(orgID), rootEmail, map[string]any{"tagline": "Streaming"}), 200, "")
		h.addDomain(orgID, rootEmail, "stream.example.com")
		created := h.do("POST", keysPath(orgID), rootEmail, map[string]any{"title": "Prod", "service": "stripe", "api_key": secret})
		expect(t, created, 201, "")
		keyPath := fmt.Sprintf("%s/%d", keysPath(orgID), id(created.data()["id"]))
		renamed := h.do("PATCH", keyPath, rootEmail, map[string]any{"title": "Production"})
		expect(t, renamed, 200, "")
		rotated := h.do("PATCH", keyPath, rootEmail, map[string]any{"api_key": "sk_live_rotated_4321"})
		expect(t, rotated, 200, "")
		other := h.createOrg("elsewhere")
		if _, err := h.svc.SetSuperadmin(context.Background(), "ann@example.com", true); err != nil {
			t.Fatal(err)
		}

		res := h.do("GET", eventsPath(orgID), rootEmail, nil)
		expect(t, res, 200, "")
		if keys(res.Body) != "data meta" || fmt.Sprint(res.Body["meta"]) != "map[page:1 page_size:25 total:7 total_pages:1]" {
			t.Fatalf("list: %s", res.Raw)
		}
		events := evItems(t, res, 7)
		if got := evTypes(events); got != "api_key.rotated api_key.updated api_key.created domain.added organization.updated member.added organization.created" {
			t.Fatalf("types, newest first: %s", got)
		}
		seen := map[any]bool{}
		var prev time.Time
		for i, e := range events {
			at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e["created_at"]))
			actor, _ := e["actor"].(map[string]any)
			if keys(e) != eventKeys || !strings.HasPrefix(fmt.Sprint(e["id"]), "evt_") || seen[e["id"]] || id(e["organization_id"]) != orgID ||
				keys(actor) != "email user_id" || actor["email"] != rootEmail || id(actor["user_id"]) != rootID ||
				err != nil || time.Since(at) > time.Minute || (i > 0 && at.After(prev)) {
				t.Errorf("event %d: %v", i, e)
			}
			seen[e["id"]], prev = true, at
		}

		// data is the resource exactly as the API shows it.
		org := h.do("GET", mtOrg(orgID), rootEmail, nil).data()
		if got := evData(t, events, "organization.updated"); fmt.Sprint(got) != fmt.Sprint(org) || got["tagline"] != "Streaming" {
			t.Errorf("organization.updated data %v\nGET shows %v", got, org)
		}
		if got := evData(t, events, "organization.created"); keys(got) != keys(org) || got["tagline"] != nil || got["members_count"] != 1.0 {
			t.Errorf("organization.created data %v", got)
		}
		member := h.do("GET", mtMembers(orgID)+"?role=member", rootEmail, nil).items(t, 1)[0]
		if got := evData(t, events, "member.added"); fmt.Sprint(got) != fmt.Sprint(member) {
			t.Errorf("member.added data %v, listed %v", got, member)
		}
		dom := h.do("GET", domainsPath(orgID), rootEmail, nil).items(t, 1)[0]
		if got := evData(t, events, "domain.added"); fmt.Sprint(got) != fmt.Sprint(dom) {
			t.Errorf("domain.added data %v, listed %v", got, dom)
		}
		for typ, answer := range map[string]response{"api_key.created": created, "api_key.updated": renamed, "api_key.rotated": rotated} {
			if got := evData(t, events, typ); fmt.Sprint(got) != fmt.Sprint(answer.data()) || keys(got) != "api_key_last4 created_at id service title updated_at" {
				t.Errorf("%s data %v, the answer %s", typ, got, answer.Raw)
			}
		}
		if got := evData(t, events, "api_key.rotated")["api_key_last4"]; got != "4321" {
			t.Errorf("api_key.rotated last4 %v", got)
		}
		if strings.Contains(string(res.Raw), "sk_live") || strings.Contains(string(res.Raw), `"api_key":`) {
			t.Errorf("events carry a key: %s", res.Raw)
		}

		// Filter and pages.
		for q, want := range map[string]string{
			"?type=api_key.created":            "map[page:1 page_size:25 total:1 total_pages:1] api_key.created",
			"?type=member.added&page_size=1":   "map[page:1 page_size:1 total:1 total_pages:1] member.added",
			"?type=webhook.test":               "map[page:1 page_size:25 total:0 total_pages:0] ",
			"?type=superadmin.granted":         "map[page:1 page_size:25 total:0 total_pages:0] ",
			"?page_size=3":                     "map[page:1 page_size:3 total:7 total_pages:3] api_key.rotated api_key.updated api_key.created",
			"?page_size=3&page=2":              "map[page:2 page_size:3 total:7 total_pages:3] domain.added organization.updated member.added",
			"?page_size=3&page=3":              "map[page:3 page_size:3 total:7 total_pages:3] organization.created",
			"?page_size=3&page=4":              "map[page:4 page_size:3 total:7 total_pages:3] ",
			"?type=api_key.updated&page=2":     "map[page:2 page_size:25 total:1 total_pages:1] ",
			"?page_size=100&type=domain.added": "map[page:1 page_size:100 total:1 total_pages:1] domain.added",
		} {
			r := h.do("GET", eventsPath(orgID)+q, rootEmail, nil)
			expect(t, r, 200, "")
			var evs []map[string]any
			for _, it := range r.Body["data"].([]any) {
				evs = append(evs, it.(map[string]any))
			}
			if got := fmt.Sprint(r.Body["meta"]) + " " + evTypes(evs); got != want {
				t.Errorf("%s: %s, want %s", q, got, want)
			}
		}

		// Another organization's stream is its own.
		elsewhere := evItems(t, h.do("GET", eventsPath(other), rootEmail, nil), 1)
		if evTypes(elsewhere) != "organization.created" || id(elsewhere[0]["organization_id"]) != other {
			t.Errorf("other organization's events: %v", elsewhere)
		}

		// The platform stream: every organization's events and platform events (organization_id null).
		all := h.do("GET", "/v1/events", rootEmail, nil)
		expect(t, all, 200, "")
		if fmt.Sprint(all.Body["meta"]) != "map[page:1 page_size:25 total:9 total_pages:1]" {
			t.Fatalf("all events: %s", all.Raw)
		}
		everything := evItems(t, all, 9)
		granted := everything[0]
		user := granted["data"].(map[string]any)
		if granted["type"] != "superadmin.granted" || granted["organization_id"] != nil || user["email"] != "ann@example.com" ||
			user["is_superadmin"] != true || keys(user) != "created_at email email_verified id is_superadmin name subject updated_at" {
			t.Errorf("platform event %v", granted)
		}
		if fmt.Sprint(everything[2]) != fmt.Sprint(events[0]) {
			t.Errorf("the two streams differ: %v and %v", everything[2], events[0])
		}
		for q, want := range map[string]string{
			fmt.Sprintf("?organization_id=%d", orgID):                   "7 api_key.rotated",
			fmt.Sprintf("?organization_id=%d", other):                   "1 organization.created",
			"?type=superadmin.granted":                                  "1 superadmin.granted",
			fmt.Sprintf("?organization_id=%d&type=member.added", orgID): "1 member.added",
			"?page=2&page_size=5":                                       "9 domain.added",
		} {
			r := h.do("GET", "/v1/events"+q, rootEmail, nil)
			expect(t, r, 200, "")
			first := ""
			if data := r.Body["data"].([]any); len(data) > 0 {
				first = data[0].(map[string]any)["type"].(string)
			}
			if got := fmt.Sprint(r.Body["meta"].(map[string]any)["total"]) + " " + first; got != want {
				t.Errorf("/v1/events%s: %s, want %s", q, got, want)
			}
		}
	})
}

func TestEvents_Validation(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("checked")
	for _, c := range []struct{ path, fields string }{
		{eventsPath(orgID) + "?type=nope", "[type]"},
		{eventsPath(orgID) + "?type=member.*", "[type]"},
		{eventsPath(orgID) + "?page=0", "[page]"},
		{eventsPath(orgID) + "?page_size=101&page=x", "[page page_size]"},
		{eventsPath(orgID) + "?type=%00", "[type]"},
		{"/v1/organizations/abc/events", "[id]"},
		{"/v1/events?organization_id=abc", "[organization_id]"},
		{"/v1/events?organization_id=0", "[organization_id]"},
		{"/v1/events?type=organization", "[type]"},
		{"/v1/events?page_size=0", "[page_size]"},
	} {
		r := h.do("GET", c.path, rootEmail, nil)
		expect(t, r, 400, "validation_error")
		if got := fmt.Sprint(r.fields()); got != c.fields {
			t.Errorf("%s: fields %s, want %s", c.path, got, c.fields)
		}
	}
	// An outsider is told it may not read, not what was wrong with its query.
	expect(t, h.do("GET", eventsPath(orgID)+"?type=nope", "stranger@example.com", nil), 403, "forbidden")
	expect(t, h.do("GET", "/v1/events?type=nope", "stranger@example.com", nil), 403, "forbidden")
	expect(t, h.do("GET", eventsPath(99999), rootEmail, nil), 404, "organization_not_found")
}
