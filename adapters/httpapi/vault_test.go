package httpapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

const secret = "sk_live_abc123def456ghi789jkl012mno345pqr678"

func keysPath(orgID int64) string { return fmt.Sprintf("/v1/organizations/%d/api-keys", orgID) }

func (h *harness) createKey(orgID int64, email, title, key string) int64 {
	h.t.Helper()
	r := h.do("POST", keysPath(orgID), email, map[string]any{"title": title, "service": "service_name", "api_key": key})
	expect(h.t, r, 201, "")
	return id(r.data()["id"])
}

// dump returns every row of table as text, to prove what the database holds.
func (h *harness) dump(table string) string {
	h.t.Helper()
	db, err := h.store.SQLDB()
	if err != nil {
		h.t.Fatal(err)
	}
	rows, err := db.Query("SELECT * FROM " + table)
	if err != nil {
		h.t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		h.t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			h.t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(&b, "%s|", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestAPIKeys_Lifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		r := h.orgWithRoles("vault")
		created := h.do("POST", keysPath(r.orgID), r.admin, map[string]any{"title": "Service Production", "service": "service_name", "api_key": secret})
		expect(t, created, 201, "")
		if strings.Contains(string(created.Raw), secret) || created.data()["api_key_last4"] != "r678" || created.data()["api_key"] != nil {
			t.Fatalf("create answer: %s", created.Raw)
		}
		keyID := id(created.data()["id"])
		h.createKey(r.orgID, r.owner, "Service Staging", "sk_test_xyz")

		rev := h.do("GET", keysPath(r.orgID), r.admin, nil)
		expect(t, rev, 200, "")
		if rev.Header.Get("Cache-Control") != "no-store" || rev.Header.Get("RateLimit-Limit") != "10" || rev.Header.Get("RateLimit-Remaining") != "9" {
			t.Errorf("headers %v", rev.Header)
		}
		data := rev.items(t, 2)
		first := data[0].(map[string]any)
		if len(data) != 2 || first["api_key"] != secret || first["title"] != "Service Production" || first["service"] != "service_name" ||
			!rfc3339UTC.MatchString(first["created_at"].(string)) || data[1].(map[string]any)["api_key"] != "sk_test_xyz" {
			t.Fatalf("reveal: %s", rev.Raw)
		}

		path := fmt.Sprintf("%s/%d", keysPath(r.orgID), keyID)
		upd := h.do("PATCH", path, r.admin, map[string]any{"title": "Prod", "api_key": "sk_live_rotated_9999"})
		expect(t, upd, 200, "")
		if upd.data()["title"] != "Prod" || upd.data()["api_key_last4"] != "9999" || strings.Contains(string(upd.Raw), "rotated") {
			t.Fatalf("update: %s", upd.Raw)
		}
		rev = h.do("GET", keysPath(r.orgID), r.owner, nil)
		if got := rev.items(t, 2)[0].(map[string]any)["api_key"]; got != "sk_live_rotated_9999" {
			t.Fatalf("after rotation: %v", got)
		}
		expect(t, h.do("DELETE", path, r.admin, nil), 204, "")
		expect(t, h.do("DELETE", path, r.admin, nil), 404, "api_key_not_found")
		expect(t, h.do("PATCH", path, r.admin, map[string]any{"title": "x"}), 404, "api_key_not_found")

		// Another organization's admin cannot reach the key through their own organization.
		other := h.orgWithRoles("vault-other")
		stagingID := id(h.do("GET", keysPath(r.orgID), r.admin, nil).items(t, 1)[0].(map[string]any)["id"])
		cross := fmt.Sprintf("%s/%d", keysPath(other.orgID), stagingID)
		expect(t, h.do("PATCH", cross, other.admin, map[string]any{"title": "stolen"}), 404, "api_key_not_found")
		expect(t, h.do("DELETE", cross, other.admin, nil), 404, "api_key_not_found")
		if n := len(h.do("GET", keysPath(other.orgID), other.admin, nil).Body["data"].([]any)); n != 0 {
			t.Fatalf("other organization sees %d keys", n)
		}

		// Nothing secret in the rows, the audit log or the logs.
		for _, table := range []string{"orgkit_api_keys", "orgkit_audit_logs"} {
			if rows := h.dump(table); strings.Contains(rows, "sk_live") || strings.Contains(rows, "sk_test_xyz") || strings.Contains(rows, "rotated") {
				t.Errorf("%s holds a plaintext key:\n%s", table, rows)
			}
		}
		if logs := h.logs.String(); strings.Contains(logs, "sk_live") || strings.Contains(logs, "sk_test") {
			t.Errorf("logs hold a key")
		}
	})
}

func TestAPIKeys_Validation(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("acme")
	keyID := h.createKey(orgID, rootEmail, "Prod", secret)
	path := fmt.Sprintf("%s/%d", keysPath(orgID), keyID)
	for _, c := range []struct {
		method, path string
		body         any
		fields       string
	}{
		{"POST", keysPath(orgID), map[string]any{}, "[title service api_key]"},
		{"POST", keysPath(orgID), map[string]any{"title": "", "service": "s", "api_key": "k"}, "[title]"},
		{"POST", keysPath(orgID), map[string]any{"title": strings.Repeat("t", 101), "service": "s", "api_key": "k"}, "[title]"},
		{"POST", keysPath(orgID), map[string]any{"title": "t", "service": "Bad Service", "api_key": "k"}, "[service]"},
		{"POST", keysPath(orgID), map[string]any{"title": "t", "service": "s", "api_key": ""}, "[api_key]"},
		{"POST", keysPath(orgID), map[string]any{"title": "t", "service": "s", "api_key": strings.Repeat("k", 4097)}, "[api_key]"},
		{"POST", keysPath(orgID), map[string]any{"title": "t", "service": "s", "api_key": 5}, "[api_key]"},
		{"POST", keysPath(orgID), map[string]any{"title": "t", "service": "s", "api_key": "k", "owner": "me"}, "[owner]"},
		{"PATCH", path, map[string]any{"title": nil}, "[title]"},
		{"PATCH", path, map[string]any{"api_key": ""}, "[api_key]"},
		{"PATCH", path, map[string]any{"id": 3}, "[id]"},
		{"PATCH", keysPath(orgID) + "/abc", map[string]any{"title": "x"}, "[keyId]"},
	} {
		r := h.do(c.method, c.path, rootEmail, c.body)
		expect(t, r, 400, "validation_error")
		if got := fmt.Sprint(r.fields()); got != c.fields {
			t.Errorf("%s %v: fields %s, want %s", c.method, c.body, got, c.fields)
		}
		if strings.Contains(string(r.Raw), strings.Repeat("k", 100)) {
			t.Errorf("error echoes the key")
		}
	}
	expect(t, h.do("POST", keysPath(999), rootEmail, map[string]any{"title": "t", "service": "s", "api_key": "k"}), 404, "organization_not_found")
	expect(t, h.do("GET", keysPath(999), rootEmail, nil), 404, "organization_not_found")
	expect(t, h.do("GET", keysPath(orgID), "", nil), 401, "unauthorized")
}

func TestAPIKeys_Authorization(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("vault-authz")
	keyID := h.createKey(r.orgID, rootEmail, "Prod", secret)
	callers := map[string]string{"superadmin": rootEmail, "owner": r.owner, "admin": r.admin,
		"member": r.member, "viewer": r.viewer, "outsider": r.outsider, "anonymous": ""}
	allowed := map[string]bool{"superadmin": true, "owner": true, "admin": true}
	for name, email := range callers {
		want := map[bool]int{true: 200, false: 403}[allowed[name]]
		if name == "anonymous" {
			want = 401
		}
		check := func(method, path string, body any, ok int) {
			t.Helper()
			w := want
			if w == 200 {
				w = ok
			}
			if got := h.do(method, path, email, body); got.Status != w {
				t.Errorf("%s %s %s: got %d %s, want %d", name, method, path, got.Status, got.Raw, w)
			}
		}
		check("GET", keysPath(r.orgID), nil, 200)
		check("POST", keysPath(r.orgID), map[string]any{"title": "t", "service": "s", "api_key": "k-" + name}, 201)
		check("PATCH", fmt.Sprintf("%s/%d", keysPath(r.orgID), keyID), map[string]any{"title": "by " + name}, 200)
		if !allowed[name] {
			check("DELETE", fmt.Sprintf("%s/%d", keysPath(r.orgID), keyID), nil, 204)
		}
	}
	expect(t, h.do("DELETE", fmt.Sprintf("%s/%d", keysPath(r.orgID), keyID), r.owner, nil), 204, "")
}

func TestAPIKeys_RevealRateLimit(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("limited")
	h.createKey(r.orgID, r.admin, "Prod", secret)
	for i := range 10 {
		res := h.do("GET", keysPath(r.orgID), r.admin, nil)
		expect(t, res, 200, "")
		if res.Header.Get("RateLimit-Remaining") != fmt.Sprint(9-i) {
			t.Fatalf("reveal %d: remaining %q", i+1, res.Header.Get("RateLimit-Remaining"))
		}
		h.advance(time.Second)
	}
	res := h.do("GET", keysPath(r.orgID), r.admin, nil)
	expect(t, res, 429, "rate_limited")
	if res.Header.Get("Retry-After") != "50" || res.Header.Get("RateLimit-Remaining") != "0" || res.Header.Get("RateLimit-Limit") != "10" ||
		strings.Contains(string(res.Raw), secret) {
		t.Fatalf("11th reveal: %v %s", res.Header, res.Raw)
	}
	// Per caller and organization: the owner still has a full quota.
	expect(t, h.do("GET", keysPath(r.orgID), r.owner, nil), 200, "")
	// Rolling: 50 s later the first reveal has left the window, the second not yet.
	h.advance(50 * time.Second)
	expect(t, h.do("GET", keysPath(r.orgID), r.admin, nil), 200, "")
	expect(t, h.do("GET", keysPath(r.orgID), r.admin, nil), 429, "rate_limited")
}

func TestConnectUser_RateLimit(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("busy")
	for i := range 50 {
		res := h.do("POST", fmt.Sprintf("/v1/organizations/%d/connect-user", orgID), rootEmail, map[string]any{"email": fmt.Sprintf("ghost%d@example.com", i)})
		expect(t, res, 404, "user_not_found")
	}
	res := h.do("POST", fmt.Sprintf("/v1/organizations/%d/connect-user", orgID), rootEmail, map[string]any{"email": "ghost@example.com"})
	expect(t, res, 429, "rate_limited")
	if res.Header.Get("Retry-After") == "" || res.Header.Get("RateLimit-Limit") != "50" {
		t.Fatalf("headers %v", res.Header)
	}
	h.advance(time.Hour + time.Second)
	expect(t, h.do("POST", fmt.Sprintf("/v1/organizations/%d/connect-user", orgID), rootEmail, map[string]any{"email": "ghost@example.com"}), 404, "user_not_found")
}

func TestAPIKeys_VaultUnavailable(t *testing.T) {
	h := newHarness(t, "sqlite", noVault)
	orgID := h.createOrg("novault")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"GET", keysPath(orgID), nil},
		{"POST", keysPath(orgID), map[string]any{"title": "t", "service": "s", "api_key": "k"}},
		{"PATCH", keysPath(orgID) + "/1", map[string]any{"title": "t"}},
		{"DELETE", keysPath(orgID) + "/1", nil},
	} {
		expect(t, h.do(c.method, c.path, rootEmail, c.body), 503, "vault_unavailable")
	}
}

// TestAPIKeys_NoRevealWithoutAuditRecord makes the audit insert fail inside the database.
func TestAPIKeys_NoRevealWithoutAuditRecord(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("audited")
	h.createKey(orgID, rootEmail, "Prod", secret)
	if err := h.store.Exec(context.Background(), `CREATE TRIGGER audit_down BEFORE INSERT ON orgkit_audit_logs BEGIN SELECT RAISE(ABORT, 'audit unavailable'); END`); err != nil {
		t.Fatal(err)
	}
	res := h.do("GET", keysPath(orgID), rootEmail, nil)
	expect(t, res, 500, "internal_error")
	if strings.Contains(string(res.Raw), secret) || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("answer: %v %s", res.Header, res.Raw)
	}
}

// TestAPIKeys_CopiedCiphertextFails: a sealed key moved to another organization's row is an
// error, never another organization's secret.
func TestAPIKeys_CopiedCiphertextFails(t *testing.T) {
	h := sqlite(t)
	a, b := h.createOrg("alpha"), h.createOrg("bravo")
	h.createKey(a, rootEmail, "A", secret)
	h.createKey(b, rootEmail, "B", "sk_bravo_0000")
	err := h.store.Exec(context.Background(), `UPDATE orgkit_api_keys SET sealed = (SELECT sealed FROM orgkit_api_keys WHERE organization_id = ?) WHERE organization_id = ?`, a, b)
	if err != nil {
		t.Fatal(err)
	}
	res := h.do("GET", keysPath(b), rootEmail, nil)
	expect(t, res, 500, "internal_error")
	if strings.Contains(string(res.Raw), secret) || strings.Contains(h.logs.String(), secret) {
		t.Fatalf("copied ciphertext leaked: %s", res.Raw)
	}
	expect(t, h.do("GET", keysPath(a), rootEmail, nil), 200, "")
}
