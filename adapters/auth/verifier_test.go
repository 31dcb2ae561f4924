package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/domain"
)

var b64 = base64.RawURLEncoding.EncodeToString

// jwksServer serves an RSA and an EC public key as a JWKS, as Clerk's endpoint does.
func jwksServer(t *testing.T) (*httptest.Server, *rsa.PrivateKey, *ecdsa.PrivateKey) {
	t.Helper()
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": "rsa1", "alg": "RS256", "use": "sig", "n": b64(rk.N.Bytes()), "e": b64(big.NewInt(int64(rk.E)).Bytes())},
		{"kty": "EC", "kid": "ec1", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(ek.X.FillBytes(make([]byte, 32))), "y": b64(ek.Y.FillBytes(make([]byte, 32)))},
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := json.NewEncoder(w).Encode(set); err != nil {
			t.Errorf("jwks server: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, rk, ek
}

func claims(extra map[string]any) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"sub": "user_2abc", "email": "ann@example.com", "name": "Ann", "email_verified": true,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "iss": "https://clerk.example.com", "aud": "orgkit"}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifier_JWKS(t *testing.T) {
	srv, rk, ek := jwksServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := auth.New(ctx, auth.Config{JWKSURL: srv.URL, Issuer: "https://clerk.example.com", Audience: "orgkit"})
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(ctx, sign(t, jwt.SigningMethodRS256, "rsa1", rk, claims(nil)))
	if err != nil || id.Subject != "user_2abc" || id.Email != "ann@example.com" || id.Name != "Ann" || !id.EmailVerified {
		t.Fatalf("RS256: %+v %v", id, err)
	}
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodES256, "ec1", ek, claims(nil))); err != nil {
		t.Fatalf("ES256: %v", err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := json.Marshal(rk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"unknown key":                     sign(t, jwt.SigningMethodRS256, "rsa1", other, claims(nil)),
		"unknown kid":                     sign(t, jwt.SigningMethodRS256, "nope", rk, claims(nil)),
		"wrong issuer":                    sign(t, jwt.SigningMethodRS256, "rsa1", rk, claims(map[string]any{"iss": "https://evil.example.com"})),
		"wrong audience":                  sign(t, jwt.SigningMethodRS256, "rsa1", rk, claims(map[string]any{"aud": "other"})),
		"expired":                         sign(t, jwt.SigningMethodRS256, "rsa1", rk, claims(map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})),
		"HS256 with no secret configured": sign(t, jwt.SigningMethodHS256, "rsa1", pub, claims(nil)),
	}
	for name, tok := range bad {
		if _, err := v.Verify(ctx, tok); !errorsIsUnauthorized(err) {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestVerifier_LeewayAndEmailClaim(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	v, err := auth.New(context.Background(), auth.Config{HS256Secret: secret, EmailClaim: "primary_email"})
	if err != nil {
		t.Fatal(err)
	}
	c := claims(map[string]any{"email": nil, "primary_email": "p@example.com", "exp": time.Now().Add(-10 * time.Second).Unix()})
	id, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, "", secret, c))
	if err != nil || id.Email != "p@example.com" {
		t.Fatalf("within leeway: %+v %v", id, err)
	}
	minted, err := auth.MintHS256(auth.Config{HS256Secret: secret, EmailClaim: "primary_email"}, domain.Identity{Subject: "s", Email: "m@example.com"}, time.Minute, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if id, err := v.Verify(context.Background(), minted); err != nil || id.Email != "m@example.com" {
		t.Fatalf("minted: %+v %v", id, err)
	}
}

func TestVerifier_EmailVerifiedOnlyWhenBooleanTrue(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	ctx := context.Background()
	strict, err := auth.New(ctx, auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	assume, err := auth.New(ctx, auth.Config{HS256Secret: secret, AssumeEmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	absent := claims(map[string]any{"email_verified": nil}) // nil deletes the claim
	cases := []struct {
		name           string
		c              jwt.MapClaims
		strict, assume bool
	}{
		{"boolean true", claims(map[string]any{"email_verified": true}), true, true},
		{"boolean false", claims(map[string]any{"email_verified": false}), false, false},
		{"string true", claims(map[string]any{"email_verified": "true"}), false, false},
		{"string false", claims(map[string]any{"email_verified": "false"}), false, false},
		{"number 1", claims(map[string]any{"email_verified": 1}), false, false},
		{"absent", absent, false, true},
	}
	for _, tc := range cases {
		tok := sign(t, jwt.SigningMethodHS256, "", secret, tc.c)
		for _, v := range []struct {
			name string
			v    *auth.Verifier
			want bool
		}{{"strict", strict, tc.strict}, {"assume", assume, tc.assume}} {
			id, err := v.v.Verify(ctx, tok)
			if err != nil || id.EmailVerified != v.want {
				t.Errorf("%s, %s: verified=%t err=%v, want %t", tc.name, v.name, id.EmailVerified, err, v.want)
			}
		}
	}
}

func TestVerifier_RefusesUnusableClaims(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	ctx := context.Background()
	v, err := auth.New(ctx, auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]jwt.MapClaims{
		"sub over 255 bytes": claims(map[string]any{"sub": strings.Repeat("s", 256)}),
		"NUL in sub":         claims(map[string]any{"sub": "user\x00x"}),
		"NUL in email":       claims(map[string]any{"email": "a\x00@example.com"}),
		"NUL in name":        claims(map[string]any{"name": "A\x00nn"}),
		"NUL in other claim": claims(map[string]any{"org": map[string]any{"k": "v\x00"}}),
		"empty sub":          claims(map[string]any{"sub": ""}),
	}
	for name, c := range bad {
		if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodHS256, "", secret, c)); !errorsIsUnauthorized(err) {
			t.Errorf("%s: got %v", name, err)
		}
	}
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodHS256, "", secret, claims(map[string]any{"sub": strings.Repeat("s", 255)}))); err != nil {
		t.Errorf("sub of 255 bytes: %v", err)
	}
	// Invalid UTF-8 inside a JSON string: the JSON decoder would silently make it U+FFFD.
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("{\"sub\":\"u\xff\",\"exp\":%d,\"iat\":%d}", time.Now().Add(time.Hour).Unix(), time.Now().Unix())))
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(header + "." + payload))
	tok := header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	if _, err := v.Verify(ctx, tok); !errorsIsUnauthorized(err) {
		t.Errorf("invalid UTF-8 payload: got %v", err)
	}
}

func TestNew_RequiresAKeySource(t *testing.T) {
	if _, err := auth.New(context.Background(), auth.Config{}); err == nil {
		t.Fatal("no secret and no JWKS accepted")
	}
}

func errorsIsUnauthorized(err error) bool { return domain.CodeOf(err) == domain.CodeUnauthorized }

// The organization claim is `organization`, else `org_name`: the first that is a usable
// organization name, trimmed; anything else (not a string, too short, bidi controls) is
// ignored and sign-in still works.
func TestVerifier_OrganizationClaim(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	v, err := auth.New(context.Background(), auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		claims map[string]any
		want   string
	}{
		{map[string]any{"organization": " Acme Corporation "}, "Acme Corporation"},
		{map[string]any{"org_name": "Clerk Org"}, "Clerk Org"},
		{map[string]any{"organization": "Acme", "org_name": "Clerk Org"}, "Acme"},
		{map[string]any{"organization": "A", "org_name": "Clerk Org"}, "Clerk Org"},
		{map[string]any{"organization": map[string]any{"name": "Nested"}}, ""},
		{map[string]any{"organization": 42}, ""},
		{map[string]any{"organization": "Evil\u202eCorp"}, ""},
		{map[string]any{"organization": strings.Repeat("x", 101)}, ""},
		{nil, ""},
	} {
		id, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodHS256, "", secret, claims(c.claims)))
		if err != nil || id.Organization != c.want {
			t.Errorf("%v: organization %q, %v; want %q", c.claims, id.Organization, err, c.want)
		}
	}
	minted, err := auth.MintHS256(auth.Config{HS256Secret: secret}, domain.Identity{Subject: "s", Organization: "Minted Org"}, time.Hour, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if id, err := v.Verify(context.Background(), minted); err != nil || id.Organization != "Minted Org" {
		t.Fatalf("minted: %+v %v", id, err)
	}
}
