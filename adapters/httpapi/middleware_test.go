package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/ports"
)

func TestAuth_RejectsBadTokens(t *testing.T) {
	h := sqlite(t)
	sign := func(secret string, claims jwt.MapClaims, method jwt.SigningMethod) string {
		tok, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	secret := string(h.authn.HS256Secret)
	now := time.Now()
	valid := jwt.MapClaims{"sub": "u1", "email": "u1@example.com", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	with := func(k string, v any) jwt.MapClaims {
		c := jwt.MapClaims{}
		for key, val := range valid {
			c[key] = val
		}
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	cases := map[string]string{
		"no scheme":       sign(secret, valid, jwt.SigningMethodHS256),
		"malformed":       "Bearer not.a.jwt",
		"wrong secret":    "Bearer " + sign("another-secret-another-secret-xx", valid, jwt.SigningMethodHS256),
		"expired":         "Bearer " + sign(secret, with("exp", now.Add(-time.Hour).Unix()), jwt.SigningMethodHS256),
		"no exp":          "Bearer " + sign(secret, with("exp", nil), jwt.SigningMethodHS256),
		"not yet valid":   "Bearer " + sign(secret, with("nbf", now.Add(time.Hour).Unix()), jwt.SigningMethodHS256),
		"no sub":          "Bearer " + sign(secret, with("sub", nil), jwt.SigningMethodHS256),
		"HS512 not HS256": "Bearer " + sign(secret, valid, jwt.SigningMethodHS512),
		"alg none": "Bearer " + func() string {
			s, err := jwt.NewWithClaims(jwt.SigningMethodNone, valid).SignedString(jwt.UnsafeAllowNoneSignatureType)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}(),
		"empty bearer": "Bearer ",
	}
	for name, header := range cases {
		t.Run(name, func(t *testing.T) {
			r := h.do("GET", "/v1/me", "", nil, "Authorization", header)
			expect(t, r, 401, "unauthorized")
		})
	}
	ok := h.do("GET", "/v1/me", "", nil, "Authorization", "bearer "+sign(secret, valid, jwt.SigningMethodHS256))
	expect(t, ok, 200, "")
}

func TestRouter_Errors(t *testing.T) {
	h := sqlite(t)
	h.router.GET("/test/panic", func(*gin.Context) { panic("secret internal detail") })
	expect(t, h.do("GET", "/nowhere", "", nil), 404, "not_found")
	expect(t, h.do("DELETE", "/healthz", "", nil), 405, "method_not_allowed")

	r := h.do("GET", "/test/panic", "", nil, "X-Request-ID", "req-123")
	expect(t, r, 500, "internal_error")
	if strings.Contains(string(r.Raw), "secret internal detail") {
		t.Errorf("panic message leaked: %s", r.Raw)
	}
	if logs := h.logs.String(); !strings.Contains(logs, `"request_id":"req-123"`) || !strings.Contains(logs, "secret internal detail") {
		t.Errorf("panic not logged with its request id: %s", logs)
	}

	big := `{"name":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `","slug":"big"}`
	expect(t, h.do("POST", "/v1/organizations", rootEmail, big), 413, "payload_too_large")
}

func TestRouter_BodyLimitWithoutContentLength(t *testing.T) {
	h := sqlite(t)
	body := strings.NewReader(`{"name":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `","slug":"big"}`)
	req, err := http.NewRequest("POST", h.srv.URL+"/v1/organizations", struct{ *strings.Reader }{body})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1 // chunked: the limit must hold while reading
	req.Header.Set("Authorization", "Bearer "+h.token(rootEmail))
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 413 {
		t.Fatalf("got %d", res.StatusCode)
	}
}

func TestRouter_RequestID(t *testing.T) {
	h := sqlite(t)
	if got := h.do("GET", "/healthz", "", nil, "X-Request-ID", "abc-1").Header.Get("X-Request-ID"); got != "abc-1" {
		t.Errorf("echo: %q", got)
	}
	a := h.do("GET", "/healthz", "", nil).Header.Get("X-Request-ID")
	b := h.do("GET", "/healthz", "", nil, "X-Request-ID", "bad id with spaces").Header.Get("X-Request-ID")
	if len(a) < 16 || len(b) < 16 || a == b || strings.Contains(b, " ") {
		t.Errorf("generated ids %q %q", a, b)
	}
}

func TestRouter_Health(t *testing.T) {
	h := sqlite(t)
	expect(t, h.do("GET", "/healthz", "", nil), 200, "")
	expect(t, h.do("GET", "/readyz", "", nil), 200, "")
	if err := h.store.Close(); err != nil {
		t.Fatal(err)
	}
	expect(t, h.do("GET", "/readyz", "", nil), 503, "service_unavailable")
	expect(t, h.do("GET", "/healthz", "", nil), 200, "")
}

// TestOrganizationContext exercises the middleware embedding services mount.
func TestOrganizationContext(t *testing.T) {
	h := sqlite(t)
	r := h.orgWithRoles("ctx")
	authn, err := h.authenticator()
	if err != nil {
		t.Fatal(err)
	}
	api := httpapi.NewAPI(h.svc, authn, httpapi.Options{})
	h.router.GET("/embedded/whoami", api.Authenticate(), api.OrganizationContext(), func(c *gin.Context) {
		oc, ok := httpapi.OrgContextFrom(c.Request.Context())
		p, okP := httpapi.PrincipalFrom(c.Request.Context())
		if !ok || !okP {
			t.Errorf("handler: organization context %t, principal %t", ok, okP)
		}
		c.JSON(200, gin.H{"data": gin.H{"organization_id": oc.Organization.ID, "role": oc.Role, "user_id": p.User.ID}})
	})
	hdr := func(v int64) []string { return []string{"X-Organization-ID", fmt.Sprint(v)} }
	res := h.do("GET", "/embedded/whoami", r.viewer, nil, hdr(r.orgID)...)
	expect(t, res, 200, "")
	if id(res.data()["organization_id"]) != r.orgID || res.data()["role"] != "viewer" {
		t.Errorf("context %s", res.Raw)
	}
	fallback := h.do("GET", "/embedded/whoami", r.viewer, nil)
	expect(t, fallback, 200, "")
	if id(fallback.data()["organization_id"]) != r.orgID {
		t.Errorf("fallback %s", fallback.Raw)
	}
	expect(t, h.do("GET", "/embedded/whoami", r.outsider, nil, hdr(r.orgID)...), 403, "forbidden")
	expect(t, h.do("GET", "/embedded/whoami", r.viewer, nil, hdr(999)...), 404, "organization_not_found")
	expect(t, h.do("GET", "/embedded/whoami", r.viewer, nil, "X-Organization-ID", "abc"), 400, "validation_error")
	expect(t, h.do("GET", "/embedded/whoami", "loner@example.com", nil), 400, "validation_error")
	expect(t, h.do("GET", "/embedded/whoami", "", nil), 401, "unauthorized")
}

func (h *harness) authenticator() (ports.TokenVerifier, error) {
	return newVerifier(context.Background(), h)
}
