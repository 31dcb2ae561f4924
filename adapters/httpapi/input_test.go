package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestInput_BadTextIsAValidationError: NUL bytes, invalid UTF-8, control, bidi and invisible
// characters are 400 validation_error naming the field on both databases (Postgres refuses
// NUL that SQLite would store), and nothing is written.
func TestInput_BadTextIsAValidationError(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("acme")
		org := fmt.Sprintf("/v1/organizations/%d", orgID)
		before := h.do("GET", org, rootEmail, nil).Raw
		cases := []struct {
			name, method, path, body, field string
		}{
			{"NUL in name", "POST", "/v1/organizations", `{"name": "Ac\u0000me", "slug": "nul-name"}`, "name"},
			{"NUL in tagline", "PATCH", org, `{"tagline": "a\u0000b"}`, "tagline"},
			{"NUL in description", "PATCH", org, `{"description": "a\u0000b"}`, "description"},
			{"NUL in metadata value", "PATCH", org, `{"metadata": {"k": "v\u0000"}}`, "metadata"},
			{"NUL in metadata key", "PATCH", org, `{"metadata": {"k\u0000": "v"}}`, "metadata"},
			{"NUL deep in metadata", "PATCH", org, `{"metadata": {"k": [{"x": "\u0000"}]}}`, "metadata"},
			{"invalid UTF-8 in name", "PATCH", org, "{\"name\": \"Ac\xffme\"}", "name"},
			{"invalid UTF-8 in metadata", "PATCH", org, "{\"metadata\": {\"k\": \"\xfe\"}}", "metadata"},
			{"control character in name", "PATCH", org, `{"name": "Ac\u0007me"}`, "name"},
			{"newline in tagline", "PATCH", org, `{"tagline": "a\nb"}`, "tagline"},
			{"bidi override in name", "PATCH", org, `{"name": "Acme \u202egnp.exe"}`, "name"},
			{"bidi isolate in location", "PATCH", org, `{"location": "a\u2067b"}`, "location"},
			{"whitespace-only tagline", "PATCH", org, `{"tagline": "   "}`, "tagline"},
			{"zero-width-only name", "PATCH", org, `{"name": "\u200b\u200b\u200d"}`, "name"},
			{"NUL in email", "PATCH", org, `{"email": "a\u0000@example.com"}`, "email"},
			{"NUL in website", "PATCH", org, `{"website": "https://a\u0000.example.com"}`, "website"},
			{"URL with user info", "PATCH", org, `{"website": "https://user:pw@example.com"}`, "website"},
			{"URL with port 0", "PATCH", org, `{"logo_url": "https://example.com:0/a.png"}`, "logo_url"},
			{"URL with port 99999", "PATCH", org, `{"icon_url": "https://example.com:99999/a.png"}`, "icon_url"},
			{"URL with a named port", "PATCH", org, `{"website": "https://example.com:http"}`, "website"},
			{"NUL in API key title", "POST", org + "/api-keys", `{"title": "a\u0000", "service": "stripe", "api_key": "sk_live_0123456789"}`, "title"},
			{"NUL in API key", "POST", org + "/api-keys", `{"title": "Prod", "service": "stripe", "api_key": "sk\u0000"}`, "api_key"},
			{"NUL in connect email", "POST", org + "/connect-user", `{"email": "a\u0000@example.com"}`, "email"},
			{"201-character tagline", "PATCH", org, `{"tagline": "` + strings.Repeat("é", 201) + `"}`, "tagline"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := h.do(c.method, c.path, rootEmail, c.body)
				expect(t, r, 400, "validation_error")
				if got := fmt.Sprint(r.fields()); got != "["+c.field+"]" {
					t.Fatalf("fields %s, want [%s]", got, c.field)
				}
			})
		}
		if after := h.do("GET", org, rootEmail, nil).Raw; string(after) != string(before) {
			t.Fatalf("a refused request changed the organization:\nbefore %s\nafter  %s", before, after)
		}
		list := h.do("GET", "/v1/organizations", rootEmail, nil)
		if n := len(list.Body["data"].([]any)); n != 1 {
			t.Fatalf("%d organizations after refused creates, want 1", n)
		}
		keys := h.do("GET", org+"/api-keys", rootEmail, nil)
		if n := len(keys.Body["data"].([]any)); n != 0 {
			t.Fatalf("%d API keys after refused creates, want 0", n)
		}
		// Lengths are characters, not bytes; multiline texts keep their line breaks.
		ok := h.do("PATCH", org, rootEmail, map[string]any{"tagline": strings.Repeat("é", 200), "description": "line 1\nline 2\ttabbed"})
		expect(t, ok, 200, "")
	})
}

// TestInput_QueryAndPath: any query parameter or path segment that is not text is a
// validation_error naming it; ids are plain decimal digits; page bounds are checked.
func TestInput_QueryAndPath(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		for i := 0; i < 4; i++ {
			h.createOrg(fmt.Sprintf("org-%d", i))
		}
		cases := []struct {
			path, field string
		}{
			{"/v1/organizations?q=a%00b", "q"},
			{"/v1/organizations?q=%ff", "q"},
			{"/v1/organizations?unknown=%00", "unknown"},
			{"/v1/organizations?page=0", "page"},
			{"/v1/organizations?page_size=1000", "page_size"},
			{"/v1/organizations?sort=id", "sort"},
			{"/v1/organizations?q=" + strings.Repeat("a", 101), "q"},
			{"/v1/organizations/slug/a%00b", "slug"},
			{"/v1/organizations/slug/%ff%fe", "slug"},
			{"/v1/organizations/+4", "id"},
			{"/v1/organizations/04", "id"},
			{"/v1/organizations/4.0", "id"},
			{"/v1/organizations/99999999999999999999", "id"},
			{"/v1/audit-logs?action=%00", "action"},
			{"/v1/audit-logs?actor=%00", "actor"},
			{"/v1/organizations/4/audit-logs?from=yesterday", "from"},
		}
		for _, c := range cases {
			t.Run(c.path, func(t *testing.T) {
				r := h.do("GET", c.path, rootEmail, nil)
				expect(t, r, 400, "validation_error")
				if got := fmt.Sprint(r.fields()); got != "["+c.field+"]" {
					t.Fatalf("fields %s, want [%s]", got, c.field)
				}
			})
		}
		expect(t, h.do("GET", "/v1/organizations/4", rootEmail, nil), 200, "")
		r := h.do("GET", "/v1/organizations?q=org&page_size=3&page=2", rootEmail, nil)
		expect(t, r, 200, "")
		if n := len(r.Body["data"].([]any)); n != 1 {
			t.Fatalf("page 2 of 4 by 3 has %d items, want 1", n)
		}
	})
}

// TestInput_BodyMustBeJSON: a body sent with another Content-Type is 415.
func TestInput_BodyMustBeJSON(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		r := h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, `{"tagline": "x"}`, "Content-Type", ct)
		expect(t, r, 415, "unsupported_media_type")
	}
	r := h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, `{"tagline": "x"}`, "Content-Type", "application/json; charset=utf-8")
	expect(t, r, 200, "")
}

// TestInput_Metadata: the size limit counts the JSON as sent (not Go's HTML-escaped form),
// numbers keep their exact value, and the key cap holds.
func TestInput_Metadata(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		org := fmt.Sprintf("/v1/organizations/%d", h.createOrg("acme"))
		// {"k":"<<<…"} of exactly 8192 bytes: Go would count each < as six.
		value := strings.Repeat("<", 8192-len(`{"k":""}`))
		expect(t, h.do("PATCH", org, rootEmail, `{"metadata": {"k": "`+value+`"}}`), 200, "")
		expect(t, h.do("PATCH", org, rootEmail, `{"metadata": {"k": "`+value+`<"}}`), 400, "validation_error")

		r := h.do("PATCH", org, rootEmail, `{"metadata": {"big": 12345678901234567890, "small": 0.1, "neg": -7}}`)
		expect(t, r, 200, "")
		for _, raw := range [][]byte{r.Raw, h.do("GET", org, rootEmail, nil).Raw} {
			if !strings.Contains(string(raw), `"big":12345678901234567890`) || !strings.Contains(string(raw), `"small":0.1`) {
				t.Fatalf("numbers changed: %s", raw)
			}
		}

		keys := map[string]any{}
		for i := 0; i < 50; i++ {
			keys[fmt.Sprintf("k%d", i)] = i
		}
		expect(t, h.do("PATCH", org, rootEmail, map[string]any{"metadata": keys}), 200, "")
		keys["k50"] = 50
		r = h.do("PATCH", org, rootEmail, map[string]any{"metadata": keys})
		expect(t, r, 400, "validation_error")
		if fmt.Sprint(r.fields()) != "[metadata]" {
			t.Fatalf("fields %v", r.fields())
		}
	})
}

// FuzzRequestBody found {"":""} answered with a validation_error whose detail named the
// field "" (and a NUL or a 300-character key was echoed as the field's name): such a field
// is now reported on the object that holds it.
func TestInput_UnknownFieldsWithoutAName(t *testing.T) {
	h := sqlite(t)
	id := h.createOrg("unnamed")
	path := fmt.Sprintf("/v1/organizations/%d", id)
	for body, want := range map[string]string{
		`{"":""}`: "[body]", `{"\u0000":1}`: "[body]", `{"` + strings.Repeat("k", 65) + `":1,"":2,"color":3}`: "[color body]",
		`{"settings":{"":true}}`: "[settings]", `{"settings":{"x\u0007":true,"y":1}}`: "[settings.y settings]",
	} {
		r := h.do("PATCH", path, rootEmail, body)
		expect(t, r, 400, "validation_error")
		if got := fmt.Sprint(r.fields()); got != want {
			t.Errorf("%s: fields %s, want %s", body, got, want)
		}
	}
}
