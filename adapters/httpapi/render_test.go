package httpapi_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/domain"
)

// secretBytes is what every secret field of the fixtures holds, so its absence from the
// rendered JSON can be checked in every encoding it could take.
var secretBytes = []byte("TOP-SECRET-VALUE")

func secretForms() []string {
	return []string{string(secretBytes), base64.StdEncoding.EncodeToString(secretBytes), "TOP-SECRET"}
}

func TestRenderer_EveryResource(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	later := at.Add(time.Hour)
	s := func(v string) *string { return &v }
	orgID := int64(7)
	cases := []struct {
		name string
		v    any
		keys string
		want map[string]any // some values, as JSON decodes them
	}{
		{"organization", domain.Organization{ID: 7, Name: "Acme", Slug: "acme", Status: domain.StatusActive, MembersCount: 3,
			LogoBlobKey: s(string(secretBytes)), CreatedAt: at, UpdatedAt: at},
			"created_at description email icon_url id language_code location logo_url members_count metadata name phone settings slug status tagline template_policy_id template_terms_id updated_at website",
			map[string]any{"id": 7.0, "slug": "acme", "members_count": 3.0, "logo_url": nil, "created_at": "2030-01-02T03:04:05Z"}},
		{"member", domain.Member{UserID: 4, Email: s("ann@example.com"), Role: domain.RoleAdmin, JoinedAt: at},
			"email joined_at name role user_id",
			map[string]any{"user_id": 4.0, "email": "ann@example.com", "name": nil, "role": "admin"}},
		{"invitation", domain.Invitation{ID: 9, OrganizationID: 7, Email: "bob@example.com", Role: domain.RoleMember,
			Status: domain.InvitationPending, TokenHash: secretBytes, InvitedBy: 4, ExpiresAt: later, CreatedAt: at, UpdatedAt: at},
			"accepted_at created_at email expires_at id invited_by organization_id role status updated_at",
			map[string]any{"id": 9.0, "invited_by": 4.0, "status": "pending", "expires_at": "2030-01-02T04:04:05Z", "accepted_at": nil}},
		{"invite link", domain.Invite{ID: 5, OrganizationID: 7, CodeHash: secretBytes, CodePrefix: "abcd1234", Role: domain.RoleViewer,
			CreatedBy: 4, CreatedAt: at, UpdatedAt: at},
			"code_prefix created_at created_by disabled expires_at id max_uses note organization_id role updated_at uses",
			map[string]any{"code_prefix": "abcd1234", "max_uses": nil, "uses": 0.0}},
		{"domain", domain.CustomDomain{ID: 3, OrganizationID: 7, Name: "acme.example", Type: "clinic", Status: domain.DomainPending,
			VerificationToken: "tok-1", CreatedAt: at, UpdatedAt: at},
			domainKeys,
			map[string]any{"domain": "acme.example", "domain_type": "clinic", "status": "pending", "verified_at": nil}},
		{"api key", domain.APIKey{ID: 2, OrganizationID: 7, Title: "Prod", Service: "stripe", SealKeyID: "k1", Sealed: secretBytes,
			Last4: "r678", CreatedAt: at, UpdatedAt: at},
			"api_key_last4 created_at id service title updated_at",
			map[string]any{"title": "Prod", "api_key_last4": "r678"}},
		{"user", domain.User{ID: 4, Subject: "sub|ann", Email: s("ann@example.com"), EmailVerified: true, IsSuperadmin: true,
			CurrentOrganizationID: &orgID, CreatedAt: at, UpdatedAt: at},
			"created_at email email_verified id is_superadmin name subject updated_at",
			map[string]any{"id": 4.0, "subject": "sub|ann", "email_verified": true, "is_superadmin": true, "name": nil}},
		{"webhook endpoint", domain.WebhookEndpoint{ID: 11, OrganizationID: &orgID, URL: "https://hooks.example/in",
			Description: "CRM", Secret: secretBytes, PreviousSecret: secretBytes, PreviousSecretUntil: &later, CreatedAt: at, UpdatedAt: at},
			endpointKeys,
			map[string]any{"organization_id": 7.0, "event_types": []any{}, "disabled_reason": nil, "failing_since": nil,
				"secret_rotated_until": "2030-01-02T04:04:05Z"}},
		{"platform webhook endpoint", domain.WebhookEndpoint{ID: 12, URL: "https://hooks.example/all", EventTypes: []string{"member.added"},
			Disabled: true, DisabledReason: "every delivery failed", FailingSince: &at, Secret: secretBytes, CreatedAt: at, UpdatedAt: at},
			endpointKeys,
			map[string]any{"organization_id": nil, "event_types": []any{"member.added"}, "disabled": true,
				"disabled_reason": "every delivery failed", "failing_since": "2030-01-02T03:04:05Z", "secret_rotated_until": nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := httpapi.Renderer{}.Render(c.v)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("not a JSON object: %s", raw)
			}
			if keys(got) != c.keys {
				t.Errorf("keys %s\nwant %s", keys(got), c.keys)
			}
			for k, want := range c.want {
				if g, _ := json.Marshal(got[k]); string(g) != mustJSON(t, want) {
					t.Errorf("%s = %s, want %s", k, g, mustJSON(t, want))
				}
			}
			for _, secret := range secretForms() {
				if strings.Contains(string(raw), secret) {
					t.Errorf("rendered a secret: %s", raw)
				}
			}
			for _, field := range []string{`"secret"`, `"code"`, `"token"`, `"api_key"`, `"sealed"`, `"previous_secret"`} {
				if strings.Contains(string(raw), field+":") {
					t.Errorf("rendered %s: %s", field, raw)
				}
			}
		})
	}
}

func TestRenderer_UnknownType(t *testing.T) {
	for _, v := range []any{nil, "organization", domain.Membership{}, &domain.Organization{}, domain.Event{}, domain.WebhookDelivery{}} {
		if raw, err := (httpapi.Renderer{}).Render(v); err == nil || raw != nil {
			t.Errorf("Render(%T) = %s, %v; want an error", v, raw, err)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
