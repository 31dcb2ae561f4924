package auth_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/domain"
)

var fuzzSecret = []byte("fuzz-secret-0123456789abcdef0123")

// year2100 is an exp far enough ahead that seeds stay valid.
const year2100 = "4102444800"

// FuzzVerifyClaims: whatever claims an HS256 token signed with the right key carries, the
// verifier answers a well-formed identity or unauthorized, never a panic.
func FuzzVerifyClaims(f *testing.F) {
	for _, c := range []string{
		`{"sub":"user_1","email":"ann@example.com","email_verified":true,"exp":` + year2100 + `}`,
		`{"sub":"user_1","email":"ann@example.com","email_verified":"true","exp":` + year2100 + `}`,
		`{"sub":"user_1","email":"Ann@Example.com","exp":` + year2100 + `,"iat":1700000000,"nbf":1700000000}`,
		`{"sub":"","exp":` + year2100 + `}`, `{"sub":"a\u0000b","exp":` + year2100 + `}`, `{"sub":"user_1"}`,
		`{"sub":"user_1","exp":1}`, `{"sub":"user_1","exp":"soon"}`, `{"sub":1,"exp":` + year2100 + `}`,
		`{"sub":"u","name":"Ann\u0000","organization":" Acme ","exp":` + year2100 + `}`,
		`{"sub":"u","email":["a@b.c"],"email_verified":1,"exp":` + year2100 + `,"iat":9999999999}`,
		`{"sub":"\ud800","exp":` + year2100 + `}`, `{"sub":"u","exp":1e400}`, `[]`, `null`, "{\"sub\":\"\xff\",\"exp\":" + year2100 + "}",
	} {
		f.Add([]byte(c))
	}
	plain := verifier(f, false)
	assume := verifier(f, true)
	f.Fuzz(func(t *testing.T, claims []byte) {
		token := signRaw(`{"alg":"HS256","typ":"JWT"}`, claims)
		checkIdentity(t, plain, token, false)
		checkIdentity(t, assume, token, true)
	})
}

// FuzzVerifyToken: any string as a bearer token gives a well-formed identity or
// unauthorized; an identity only for a token the key really signed.
func FuzzVerifyToken(f *testing.F) {
	good := signRaw(`{"alg":"HS256","typ":"JWT"}`, []byte(`{"sub":"user_1","email":"ann@example.com","email_verified":true,"exp":`+year2100+`}`))
	for _, s := range []string{good, good + "x", strings.Replace(good, ".", "..", 1), "a.b.c", "", "Bearer " + good,
		signRaw(`{"alg":"none"}`, []byte(`{"sub":"x","exp":`+year2100+`}`)), signRaw(`{"alg":"HS512"}`, []byte(`{"sub":"x","exp":`+year2100+`}`)),
		signRaw(`{"alg":"RS256","kid":"k"}`, []byte(`{"sub":"x","exp":`+year2100+`}`)), good + "==", "\x00.\xff.\x01"} {
		f.Add(s)
	}
	v := verifier(f, false)
	f.Fuzz(func(t *testing.T, token string) {
		if id := checkIdentity(t, v, token, false); id != nil {
			parts := strings.Split(token, ".")
			mac := hmac.New(sha256.New, fuzzSecret)
			mac.Write([]byte(parts[0] + "." + parts[1]))
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
				t.Fatalf("%q: accepted as %+v without the key's signature", token, *id)
			}
		}
	})
}

func verifier(tb testing.TB, assumeVerified bool) *auth.Verifier {
	v, err := auth.New(context.Background(), auth.Config{HS256Secret: fuzzSecret, AssumeEmailVerified: assumeVerified})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// signRaw makes a compact HS256-signed token of header and claims as they are, byte for byte.
func signRaw(header string, claims []byte) string {
	enc := base64.RawURLEncoding
	unsigned := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, fuzzSecret)
	mac.Write([]byte(unsigned))
	return unsigned + "." + enc.EncodeToString(mac.Sum(nil))
}

// checkIdentity verifies token and fails unless the answer is unauthorized or an identity
// that follows the token's claims by the verifier's rules; it returns the identity, if any.
func checkIdentity(t *testing.T, v *auth.Verifier, token string, assumeVerified bool) *domain.Identity {
	t.Helper()
	id, err := v.Verify(context.Background(), token)
	if err != nil {
		var de *domain.Error
		if domain.CodeOf(err) != domain.CodeUnauthorized || !errors.As(err, &de) || de.Message == "" {
			t.Fatalf("%q: %v, want unauthorized with a message", token, err)
		}
		return nil
	}
	claims := payload(t, token)
	str := func(k string) string { s, _ := claims[k].(string); return s }
	exp, ok := claims["exp"].(float64)
	switch {
	case id.Subject == "" || id.Subject != str("sub") || len(id.Subject) > domain.SubjectMax || !domain.SafeText(id.Subject, false):
		t.Fatalf("%q: subject %q from sub %v", token, id.Subject, claims["sub"])
	case id.Email != str("email") || id.Name != str("name"):
		t.Fatalf("%q: email %q, name %q from claims %v", token, id.Email, id.Name, claims)
	case !ok || time.Unix(int64(exp), 0).Before(time.Now().Add(-time.Minute)):
		t.Fatalf("%q: accepted with exp %v", token, claims["exp"])
	}
	verified, present := claims["email_verified"]
	if want := verified == true || (!present && assumeVerified); id.EmailVerified != want {
		t.Fatalf("%q: email_verified %v (claim %v, present %v)", token, id.EmailVerified, verified, present)
	}
	if id.Organization != "" && !domain.OrganizationName(id.Organization) {
		t.Fatalf("%q: organization %q is not a usable name", token, id.Organization)
	}
	for _, s := range []string{id.Email, id.Name, id.Organization} {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			t.Fatalf("%q: claim %q holds NUL or invalid UTF-8", token, s)
		}
	}
	return &id
}

func payload(t *testing.T, token string) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		t.Fatalf("%q: accepted, but its payload is not base64url: %v", token, err)
	}
	var claims map[string]any
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&claims); err != nil {
		t.Fatalf("%q: accepted, but its payload is not a JSON object: %v", token, err)
	}
	return claims
}
