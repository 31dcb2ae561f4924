package httpapi_test

import (
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/orgkit/orgkit/adapters/httpapi"
)

// TestTrustedProxies: X-Forwarded-For sets the recorded client IP only behind a configured
// proxy, so a client cannot forge the IP in the audit log.
func TestTrustedProxies(t *testing.T) {
	h := sqlite(t)
	orgID := h.createOrg("proxied")
	path := fmt.Sprintf("/v1/organizations/%d", orgID)
	lastIP := func(records int) string {
		t.Helper()
		res := h.do("GET", path+"/audit-logs?action=organization.updated", rootEmail, nil)
		return res.items(t, records)[0].(map[string]any)["ip"].(string)
	}
	expect(t, h.do("PATCH", path, rootEmail, map[string]any{"tagline": "a"}, "X-Forwarded-For", "203.0.113.9"), 200, "")
	if ip := lastIP(1); ip != "127.0.0.1" {
		t.Fatalf("untrusted X-Forwarded-For recorded: %s", ip)
	}
	authn, err := h.authenticator()
	if err != nil {
		t.Fatal(err)
	}
	behindProxy, err := httpapi.New(h.svc, authn, httpapi.Options{}, "127.0.0.1/32")
	if err != nil {
		t.Fatal(err)
	}
	proxied := httptest.NewServer(behindProxy)
	defer proxied.Close()
	h.srv = proxied
	expect(t, h.do("PATCH", path, rootEmail, map[string]any{"tagline": "b"}, "X-Forwarded-For", "203.0.113.9"), 200, "")
	if ip := lastIP(2); ip != "203.0.113.9" {
		t.Fatalf("trusted proxy's X-Forwarded-For ignored: %s", ip)
	}
	if _, err := httpapi.New(h.svc, authn, httpapi.Options{}, "not-a-cidr"); err == nil {
		t.Fatal("bad proxy list accepted")
	}
}
