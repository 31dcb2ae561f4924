package httpapi_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestIdentity_SuperadminEmailMustBeVerified: a configured superadmin address counts only
// when the token's email_verified claim is the JSON boolean true.
func TestIdentity_SuperadminEmailMustBeVerified(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		cases := []struct {
			name     string
			verified any // nil: no claim
			want     int
		}{
			{"absent", nil, 403}, {"string false", "false", 403}, {"string true", "true", 403},
			{"number 1", 1, 403}, {"boolean false", false, 403}, {"boolean true", true, 201},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				claims := jwt.MapClaims{"sub": fmt.Sprintf("attacker-%d", i), "email": rootEmail}
				if c.verified != nil {
					claims["email_verified"] = c.verified
				}
				if i == len(cases)-1 {
					claims["sub"] = "sub|" + rootEmail
				}
				r := h.doToken("POST", "/v1/organizations", h.claims(claims), map[string]any{"name": "Acme", "slug": fmt.Sprintf("acme-%d", i)})
				expect(t, r, c.want, "")
			})
		}
	})
}

// TestIdentity_UnverifiedSquatter: an identity claiming an address it has not proven holds
// it only until the real owner signs in with a verified claim; nothing ever matches it.
func TestIdentity_UnverifiedSquatter(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("acme")
		victim := "ann@example.com"
		squatter := h.claims(jwt.MapClaims{"sub": "squatter", "email": victim, "email_verified": "true"})
		me := h.doToken("GET", "/v1/me", squatter, nil)
		expect(t, me, 200, "")
		connect := fmt.Sprintf("/v1/organizations/%d/connect-user", orgID)
		expect(t, h.do("POST", connect, rootEmail, map[string]any{"email": victim}), 404, "user_not_found")

		real := h.claims(jwt.MapClaims{"sub": "real-ann", "email": "Ann@Example.com", "email_verified": true})
		owner := h.doToken("GET", "/v1/me", real, nil)
		expect(t, owner, 200, "")
		if owner.data()["email"] != victim {
			t.Fatalf("the verified owner did not get the address: %v", owner.data())
		}
		if email := h.doToken("GET", "/v1/me", squatter, nil).data()["email"]; email != nil {
			t.Fatalf("the squatter still holds %v", email)
		}
		r := h.do("POST", connect, rootEmail, map[string]any{"email": "ANN@example.com"})
		expect(t, r, 200, "")
		if r.data()["user_id"] != owner.data()["id"] {
			t.Fatalf("connected user %v, want the verified owner %v", r.data()["user_id"], owner.data()["id"])
		}
		audit := h.do("GET", "/v1/audit-logs?action=user.email_released", rootEmail, nil)
		expect(t, audit, 200, "")
		if items := audit.Body["data"].([]any); len(items) != 1 {
			t.Fatalf("%d email_released records, want 1", len(items))
		}
	})
}

// TestIdentity_ConflictNeverBlocksSignIn: an identity re-created at the provider with an
// address another verified user holds signs in without it; the conflict is logged.
func TestIdentity_ConflictNeverBlocksSignIn(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		first := h.claims(jwt.MapClaims{"sub": "old-ann", "email": "ann@example.com", "email_verified": true})
		expect(t, h.doToken("GET", "/v1/me", first, nil), 200, "")
		for _, verified := range []bool{true, false} {
			again := h.claims(jwt.MapClaims{"sub": "new-ann", "email": "ann@example.com", "email_verified": verified})
			r := h.doToken("GET", "/v1/me", again, nil)
			expect(t, r, 200, "")
			if r.data()["email"] != nil {
				t.Fatalf("verified=%t: signed in with the other user's email %v", verified, r.data()["email"])
			}
		}
		if !strings.Contains(h.logs.String(), "email conflict") {
			t.Fatalf("the conflict was not logged: %s", h.logs.String())
		}
		if r := h.doToken("GET", "/v1/me", first, nil); r.data()["email"] != "ann@example.com" {
			t.Fatalf("the holder lost the address: %v", r.data())
		}
	})
}

// TestIdentity_ASCIIOnlyCaseFolding: the Kelvin sign (U+212A) must not match the letter k,
// on either database, for emails or slugs.
func TestIdentity_ASCIIOnlyCaseFolding(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		orgID := h.createOrg("kelvin")
		expect(t, h.do("GET", "/v1/me", "kelvin@example.com", nil), 200, "")
		connect := fmt.Sprintf("/v1/organizations/%d/connect-user", orgID)
		expect(t, h.do("POST", connect, rootEmail, map[string]any{"email": "\u212aelvin@example.com"}), 404, "user_not_found")
		expect(t, h.do("GET", "/v1/organizations/slug/%E2%84%AAelvin", rootEmail, nil), 404, "organization_not_found")
		expect(t, h.do("GET", "/v1/organizations/slug/KELVIN", rootEmail, nil), 200, "")
		expect(t, h.do("POST", connect, rootEmail, map[string]any{"email": "KELVIN@example.com"}), 200, "")
	})
}

// TestIdentity_UnusableClaims: a long sub, or NUL in any claim, is 401 on both databases.
func TestIdentity_UnusableClaims(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		for name, c := range map[string]jwt.MapClaims{
			"sub over 255 bytes": {"sub": strings.Repeat("x", 256), "email": "a@example.com", "email_verified": true},
			"NUL in sub":         {"sub": "a\x00b"},
			"NUL in email":       {"sub": "s", "email": "a\x00@example.com", "email_verified": true},
			"NUL in name":        {"sub": "s", "name": "An\x00n"},
			"NUL in another":     {"sub": "s", "org_role": "admin\x00"},
		} {
			t.Run(name, func(t *testing.T) {
				expect(t, h.doToken("GET", "/v1/me", h.claims(c), nil), 401, "unauthorized")
			})
		}
		r := h.doToken("GET", "/v1/me", h.claims(jwt.MapClaims{"sub": strings.Repeat("x", 255)}), nil)
		expect(t, r, 200, "")
	})
}

// TestIdentity_InvalidEmailClaim: an email claim that is not a usable address is treated as
// absent: the user signs in, with no email, and nothing can match it.
func TestIdentity_InvalidEmailClaim(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		for i, email := range []string{"not an email", "Ann <ann@example.com>", strings.Repeat("a", 250) + "@example.com", "@example.com"} {
			r := h.doToken("GET", "/v1/me", h.claims(jwt.MapClaims{"sub": fmt.Sprintf("odd-%d", i), "email": email, "email_verified": true}), nil)
			expect(t, r, 200, "")
			if r.data()["email"] != nil {
				t.Fatalf("%q stored as %v", email, r.data()["email"])
			}
		}
	})
}

// TestIdentity_RacingVerifiedClaims: a holder verifying its address while another identity
// claims it verified leaves exactly one holder, and only the request that answered with the
// address holds it (the loser's write never overwrites the winner's row).
func TestIdentity_RacingVerifiedClaims(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		for round := 0; round < 15; round++ {
			email := fmt.Sprintf("race-%d@example.com", round)
			holder, other := fmt.Sprintf("holder-%d", round), fmt.Sprintf("other-%d", round)
			expect(t, h.doToken("GET", "/v1/me", h.claims(jwt.MapClaims{"sub": holder, "email": email, "email_verified": false}), nil), 200, "")
			subs := []string{holder, other}
			answers := make([]any, 2)
			statuses := make([]int, 2)
			tokens := []string{
				h.claims(jwt.MapClaims{"sub": holder, "email": email, "email_verified": true, "name": "Holder"}),
				h.claims(jwt.MapClaims{"sub": other, "email": email, "email_verified": true}),
			}
			var wg sync.WaitGroup
			for i := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, raw, err := h.send("GET", "/v1/me", tokens[i], nil)
					var body struct{ Data map[string]any }
					if err == nil {
						err = json.Unmarshal([]byte(raw), &body)
					}
					if err != nil {
						t.Errorf("%s: %v", subs[i], err)
						return
					}
					statuses[i], answers[i] = status, body.Data["email"]
				}()
			}
			wg.Wait()
			if statuses[0] != 200 || statuses[1] != 200 {
				t.Fatalf("round %d: statuses %v", round, statuses)
			}
			var holders []string
			for i, tok := range tokens {
				now := h.doToken("GET", "/v1/me", tok, nil).data()["email"]
				if now == email {
					holders = append(holders, subs[i])
				}
				if answers[i] == email && now != email {
					t.Fatalf("round %d: %s was answered %s but lost it", round, subs[i], email)
				}
			}
			if len(holders) != 1 {
				t.Fatalf("round %d: holders %v, want exactly one", round, holders)
			}
		}
	})
}

// TestIdentity_UnusableNameIsIgnored: a name with a tab, bidi controls or over 100
// characters does not lock its owner out; it is not stored.
func TestIdentity_UnusableNameIsIgnored(t *testing.T) {
	h := sqlite(t)
	for i, name := range []string{"Ann\tSmith", "Ann \u202egnp", strings.Repeat("n", 101)} {
		r := h.doToken("GET", "/v1/me", h.claims(jwt.MapClaims{"sub": fmt.Sprintf("named-%d", i), "name": name}), nil)
		expect(t, r, 200, "")
		if r.data()["name"] != nil {
			t.Fatalf("%q stored as %v", name, r.data()["name"])
		}
	}
}
