package httpapi_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

// FuzzRequestBody posts one body to every POST, PATCH and PUT route of the router (read from
// the router itself, so a new route is fuzzed without a change here) as a superadmin, with
// path ids of real records: no answer is a 5xx, every 4xx is the error envelope, a
// validation_error names its field, and what a 2xx echoes is safe text. Outside fuzzing
// (every go test run, on the seeds and testdata/fuzz/FuzzRequestBody), each body is also
// posted to Postgres when it is configured, which must answer as SQLite did: a value SQLite
// keeps (a NUL byte, say) must not be a 500 there.
func FuzzRequestBody(f *testing.F) {
	for _, s := range requestBodySeeds {
		f.Add([]byte(s))
	}
	dialects := []gormstore.Dialect{gormstore.SQLite}
	if !fuzzing() {
		dialects = gormtest.Dialects(f)
	}
	targets := make([]*bodyTarget, 0, len(dialects))
	for _, d := range dialects {
		targets = append(targets, newBodyTarget(f, d))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for i := range targets[0].routes {
			first := targets[0].post(t, targets[0].routes[i], body)
			for j, bt := range targets[1:] {
				if status := bt.post(t, bt.routes[i], body); status != first {
					rt := bt.routes[i]
					t.Fatalf("%s %s %q: %s answered %d, %s %d", rt.method, rt.pattern, body,
						dialects[0], first, dialects[j+1], status)
				}
			}
		}
	})
}

// fuzzing reports whether this process runs the fuzzing engine (go test -fuzz), rather than
// the seeds and the committed corpus as regression tests.
func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if fl := flag.Lookup(name); fl != nil && fl.Value.String() != "" && fl.Value.String() != "false" {
			return true
		}
	}
	return false
}

// bodyTarget is one harness with the records the fuzzed routes' path ids name.
type bodyTarget struct {
	h      *harness
	token  string
	routes []bodyRoute
}

type bodyRoute struct{ method, pattern, path string }

func newBodyTarget(f *testing.F, d gormstore.Dialect) *bodyTarget {
	h := newHarness(f, d)
	bt := &bodyTarget{h: h, token: h.token(rootEmail)}
	org := h.createOrg("fuzzed")
	base := fmt.Sprintf("/v1/organizations/%d", org)
	created := func(path string, body any) string {
		r := h.do("POST", path, rootEmail, body)
		if r.Status != 200 && r.Status != 201 {
			f.Fatalf("fixture %s: %d %s", path, r.Status, r.Raw)
		}
		return fmt.Sprint(id(r.data()["id"]))
	}
	expect(f, h.do("GET", "/v1/me", "member@example.com", nil), 200, "") // provisioned on sign-in
	expect(f, h.do("POST", base+"/connect-user", rootEmail, map[string]any{"email": "member@example.com"}), 200, "")
	members := h.do("GET", base+"/members", rootEmail, nil)
	expect(f, members, 200, "")
	params := map[string]string{
		"id": fmt.Sprint(org), "slug": "fuzzed",
		"keyId":        created(base+"/api-keys", map[string]any{"title": "Key", "service": "stripe", "api_key": "sk_1"}),
		"domainId":     created(base+"/domains", map[string]any{"domain": "clinic.example.com", "domain_type": "clinic"}),
		"inviteId":     created(base+"/invites", map[string]any{"role": "member"}),
		"invitationId": created(base+"/invitations", map[string]any{"email": "ann@example.com", "role": "member"}),
		"endpointId":   created(base+"/webhook-endpoints", map[string]any{"url": "http://127.0.0.1:9/hook"}),
		"userId":       fmt.Sprint(id(members.items(f, 2)[1].(map[string]any)["user_id"])),
		"deliveryId":   "1", "code": "not-a-code", "token": "not-a-token",
	}
	platformEndpoint := created("/v1/webhook-endpoints", map[string]any{"url": "http://127.0.0.1:9/platform"})
	for _, r := range h.router.Routes() {
		if r.Method != http.MethodPost && r.Method != http.MethodPatch && r.Method != http.MethodPut {
			continue
		}
		segs := strings.Split(r.Path, "/")
		for i, s := range segs {
			if !strings.HasPrefix(s, ":") && !strings.HasPrefix(s, "*") {
				continue
			}
			v, ok := params[s[1:]]
			if !ok {
				v = "1" // a route with a parameter this test does not know yet: an id that may not exist
			}
			if s == ":endpointId" && strings.HasPrefix(r.Path, "/v1/webhook-endpoints") {
				v = platformEndpoint
			}
			segs[i] = v
		}
		bt.routes = append(bt.routes, bodyRoute{method: r.Method, pattern: r.Path, path: strings.Join(segs, "/")})
	}
	sort.Slice(bt.routes, func(i, j int) bool {
		return bt.routes[i].method+bt.routes[i].pattern < bt.routes[j].method+bt.routes[j].pattern
	})
	if len(bt.routes) < 20 {
		f.Fatalf("only %d POST, PATCH and PUT routes found", len(bt.routes))
	}
	return bt
}

// post sends body to the route as the superadmin and checks the answer; it returns the status.
func (bt *bodyTarget) post(t *testing.T, rt bodyRoute, body []byte) int {
	t.Helper()
	req := httptest.NewRequest(rt.method, rt.path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+bt.token)
	rec := httptest.NewRecorder()
	bt.h.router.ServeHTTP(rec, req)
	where := func() string {
		return fmt.Sprintf("%s %s %q: %d %s", rt.method, rt.pattern, body, rec.Code, rec.Body.Bytes())
	}
	switch {
	case rec.Code >= 500:
		t.Fatalf("%s (logs: %s)", where(), lastFailure(bt.h.logs.String()))
	case rec.Code >= 400:
		if problem := errorEnvelopeProblem(rec.Body.Bytes()); problem != "" {
			t.Fatalf("%s: %s", where(), problem)
		}
	case rec.Code >= 200 && rec.Code < 300 && rec.Body.Len() > 0:
		var v any
		if !utf8.Valid(rec.Body.Bytes()) || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
			t.Fatalf("%s: not UTF-8 JSON", where())
		}
		if s, ok := unsafeString(v); ok {
			t.Fatalf("%s: answers the unsafe text %q", where(), s)
		}
	}
	return rec.Code
}

// errorEnvelopeProblem says how raw differs from {"error": {"code", "message", "details"?}}
// with details naming fields, and a validation_error naming at least one.
func errorEnvelopeProblem(raw []byte) string {
	var env map[string]json.RawMessage
	if err := json.Unmarshal(raw, &env); err != nil || len(env) != 1 || env["error"] == nil {
		return "not an error envelope"
	}
	var e map[string]any
	if err := json.Unmarshal(env["error"], &e); err != nil {
		return "error is not an object"
	}
	code, _ := e["code"].(string)
	msg, _ := e["message"].(string)
	if code == "" || msg == "" {
		return "error without a code or a message"
	}
	for k := range e {
		if k != "code" && k != "message" && k != "details" {
			return "error has the extra key " + k
		}
	}
	details, hasDetails := e["details"].([]any)
	if _, present := e["details"]; present && (!hasDetails || len(details) == 0) {
		return "details is not a non-empty array"
	}
	for _, d := range details {
		fe, _ := d.(map[string]any)
		field, _ := fe["field"].(string)
		dm, _ := fe["message"].(string)
		if field == "" || dm == "" || len(fe) != 2 {
			return "a detail is not {field, message}"
		}
		if !domain.SafeText(field, false) || !domain.SafeText(dm, true) {
			return "a detail echoes text that is not safe"
		}
	}
	if code == string(domain.CodeValidation) && len(details) == 0 {
		return "validation_error naming no field"
	}
	return ""
}

// unsafeString finds a string in a decoded answer that is not safe text (NUL, control
// characters but line breaks and tabs).
func unsafeString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, !domain.SafeText(x, true)
	case map[string]any:
		for k, e := range x {
			if s, bad := unsafeString(k); bad {
				return s, true
			}
			if s, bad := unsafeString(e); bad {
				return s, true
			}
		}
	case []any:
		for _, e := range x {
			if s, bad := unsafeString(e); bad {
				return s, true
			}
		}
	}
	return "", false
}

// lastFailure is the last "request failed" log line: the cause of a 500.
func lastFailure(logs string) string {
	lines := strings.Split(logs, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], "request failed") {
			return lines[i]
		}
	}
	return "none"
}

// requestBodySeeds are the bodies the API's own tests and README send, and the shapes
// that broke JSON APIs before: every route gets every one.
var requestBodySeeds = []string{
	``, `{}`, `null`, `[]`, `"x"`, `{"a":1}{}`, `{"name":`, "\x00", "{\"name\":\"a\x00b\"}", "{\"name\":\"\xff\"}",
	`{"name":"HealthCorp","slug":"healthcorp","tagline":"Healthcare solutions","language_code":"en"}`,
	`{"name":"Acme","slug":"acme","metadata":{"plan":"pro","n":12345678901234567890,"x":[1,{"y":null}]}}`,
	`{"name":"Acme \u0000","description":"line\nbreak","website":"https://acme.example"}`,
	`{"name":null,"tagline":null,"status":"suspended","settings":{"default_role":"admin","allow_public_signup":true}}`,
	`{"metadata":{"n":1e400,"s":"\ud800","k\u0001":1}}`, `{"metadata":null}`, `{"settings":{"unknown":1}}`,
	`{"email":"ann@example.com","role":"admin"}`, `{"email":"ANN@example.com "}`, `{"email":"a\u0000@example.com"}`,
	`{"user_id":2,"role":"viewer"}`, `{"user_id":-1}`, `{"user_id":1e3}`, `{"user_id":"2"}`, `{"role":"owner"}`,
	`{"organization_id":1}`, `{"organization_id":9223372036854775808}`,
	`{"domain":"Bücher.Example.","domain_type":"clinic"}`, `{"domain":"a..b","domain_type":"portal"}`,
	`{"title":"Stripe","service":"stripe","api_key":"sk_live_1"}`, `{"api_key":"\u0000"}`,
	`{"role":"member","max_uses":5,"expires_at":"2100-01-01T00:00:00Z","note":"team"}`, `{"disabled":true,"note":null}`,
	`{"expires_at":"0000-01-01T00:00:00Z"}`, `{"max_uses":99999999999999999999}`,
	`{"url":"https://hooks.example.com/x","event_types":["organization.updated"],"description":"d","disabled":false}`,
	`{"event_types":[null]}`, `{"url":"http://[::1]:0/"}`,
	`{"id":1,"created_at":"2020-01-01T00:00:00Z","slug":"x"}`, `{"` + strings.Repeat("k", 300) + `":1}`,
	`{"name":"` + strings.Repeat("é", 101) + `"}`, `{"a":` + strings.Repeat("[", 10001) + `}`,
}
