// Package auth verifies bearer JWTs: HS256 with a shared secret (development and tests) and
// RS256/ES256/EdDSA through a JWKS endpoint (Clerk session tokens, any OIDC issuer).
package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Config selects the accepted tokens.
type Config struct {
	HS256Secret []byte // accepts HS256 tokens when set
	JWKSURL     string // accepts asymmetric tokens signed by a key from this set when set
	Issuer      string // `iss` must equal it when set
	Audience    string // `aud` must contain it when set
	EmailClaim  string // claim carrying the email; "email" when empty
	// AssumeEmailVerified treats a token without an email_verified claim as vouching for its
	// email, for issuers that only ever issue verified emails. Clerk session tokens carry no
	// such claim unless the session-token template adds one: set this, or add the claim.
	AssumeEmailVerified bool
	Leeway              time.Duration
}

// Verifier implements ports.TokenVerifier.
type Verifier struct {
	cfg  Config
	jwks keyfunc.Keyfunc
}

var _ ports.TokenVerifier = (*Verifier)(nil)

var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// New builds a Verifier. With a JWKS URL it fetches the key set in the background until ctx
// ends, so a slow identity provider does not stop the service from starting.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if len(cfg.HS256Secret) == 0 && cfg.JWKSURL == "" {
		return nil, errors.New("auth: set ORGKIT_AUTH_HS256_SECRET or ORGKIT_AUTH_JWKS_URL")
	}
	if cfg.EmailClaim == "" {
		cfg.EmailClaim = "email"
	}
	if cfg.Leeway == 0 {
		cfg.Leeway = 30 * time.Second
	}
	v := &Verifier{cfg: cfg}
	if cfg.JWKSURL != "" {
		kf, err := keyfunc.NewDefaultCtx(ctx, []string{cfg.JWKSURL})
		if err != nil {
			return nil, fmt.Errorf("auth: jwks %s: %w", cfg.JWKSURL, err)
		}
		v.jwks = kf
	}
	return v, nil
}

// Verify checks token and returns its identity. Errors: unauthorized.
func (v *Verifier) Verify(ctx context.Context, token string) (domain.Identity, error) {
	opts := []jwt.ParserOption{
		jwt.WithValidMethods(v.methods()), jwt.WithLeeway(v.cfg.Leeway),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
	}
	if v.cfg.Issuer != "" {
		opts = append(opts, jwt.WithIssuer(v.cfg.Issuer))
	}
	if v.cfg.Audience != "" {
		opts = append(opts, jwt.WithAudience(v.cfg.Audience))
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, v.keyfunc(ctx), opts...)
	if err != nil {
		return domain.Identity{}, &domain.Error{Code: domain.CodeUnauthorized, Message: tokenMessage(err)}
	}
	if !cleanPayload(token) || !cleanClaim(map[string]any(claims)) {
		return domain.Identity{}, &domain.Error{Code: domain.CodeUnauthorized, Message: "token claims must be valid UTF-8 without NUL characters"}
	}
	id := domain.Identity{}
	id.Subject, _ = claims["sub"].(string)
	id.Email, _ = claims[v.cfg.EmailClaim].(string)
	id.Name, _ = claims["name"].(string)
	id.Organization = organization(claims)
	id.EmailVerified = v.emailVerified(claims)
	return id, id.Check()
}

// OrganizationClaims name the organization a user belongs to at the identity provider, read
// in this order: `organization` (a user profile's organization field) and `org_name` (a
// Clerk session-token template may add the active organization's name).
var OrganizationClaims = []string{"organization", "org_name"}

// organization is the first organization claim that is a usable organization name (a
// string, trimmed, that domain.OrganizationName accepts); anything else is ignored, as an
// unusable name is, and "" when none is.
func organization(claims jwt.MapClaims) string {
	for _, c := range OrganizationClaims {
		if s, ok := claims[c].(string); ok && domain.OrganizationName(strings.TrimSpace(s)) {
			return strings.TrimSpace(s)
		}
	}
	return ""
}

// emailVerified is true only for the JSON boolean true: "true", 1 or any other value is
// not a vouch. An absent claim counts only when the operator said the issuer verifies all.
func (v *Verifier) emailVerified(claims jwt.MapClaims) bool {
	c, present := claims["email_verified"]
	if !present {
		return v.cfg.AssumeEmailVerified
	}
	b, ok := c.(bool)
	return ok && b
}

// cleanPayload reports whether the token's claims are valid UTF-8 as sent: the JSON decoder
// would silently turn invalid bytes into U+FFFD.
func cleanPayload(token string) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	return err == nil && utf8.Valid(payload)
}

// cleanClaim reports whether no string in a decoded claim holds a NUL character.
func cleanClaim(c any) bool {
	switch t := c.(type) {
	case string:
		return !strings.ContainsRune(t, 0)
	case map[string]any:
		for k, e := range t {
			if !cleanClaim(k) || !cleanClaim(e) {
				return false
			}
		}
	case []any:
		for _, e := range t {
			if !cleanClaim(e) {
				return false
			}
		}
	}
	return true
}

func (v *Verifier) methods() []string {
	var m []string
	if len(v.cfg.HS256Secret) > 0 {
		m = append(m, "HS256")
	}
	if v.jwks != nil {
		m = append(m, asymmetric...)
	}
	return m
}

// keyfunc picks the key by algorithm family, so an HS256 token can never be checked against
// a public key (the classic algorithm-confusion attack) nor an RS256 one against the secret.
func (v *Verifier) keyfunc(ctx context.Context) jwt.Keyfunc {
	return func(t *jwt.Token) (any, error) {
		if t.Method.Alg() == "HS256" {
			return v.cfg.HS256Secret, nil
		}
		return v.jwks.KeyfuncCtx(ctx)(t)
	}
}

func tokenMessage(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "token is expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "token is not valid yet"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "token is malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return "token signature is invalid"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "token issuer is not accepted"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "token audience is not accepted"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "token lacks a required claim"
	default:
		return "token is invalid"
	}
}

// MintHS256 signs a development token (`orgkit token`) that cfg accepts. Its email_verified
// claim is id.EmailVerified.
func MintHS256(cfg Config, id domain.Identity, ttl time.Duration, now time.Time) (string, error) {
	if len(cfg.HS256Secret) == 0 {
		return "", errors.New("auth: no HS256 secret to sign with")
	}
	claims := jwt.MapClaims{"sub": id.Subject, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix()}
	if id.Email != "" {
		claim := cfg.EmailClaim
		if claim == "" {
			claim = "email"
		}
		claims[claim] = id.Email
		claims["email_verified"] = id.EmailVerified
	}
	if id.Name != "" {
		claims["name"] = id.Name
	}
	if id.Organization != "" {
		claims[OrganizationClaims[0]] = id.Organization
	}
	if cfg.Issuer != "" {
		claims["iss"] = cfg.Issuer
	}
	if cfg.Audience != "" {
		claims["aud"] = cfg.Audience
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(cfg.HS256Secret)
}
