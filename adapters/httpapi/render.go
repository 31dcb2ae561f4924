package httpapi

import (
	"encoding/json"
	"fmt"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Renderer shows resources exactly as the API's answers do, for the data of change events
// (app.Deps.Render): an event's data and GET /v1/organizations/{id}/… agree byte for byte
// because both go through the same conversions. The zero value is ready to use.
type Renderer struct{}

var _ ports.ResourceRenderer = Renderer{}

// Render returns the JSON object of v: a domain.Organization, Member, Invitation, Invite,
// CustomDomain, APIKey, User or WebhookEndpoint. Secrets never appear: not an API key's
// plaintext, an invite's code, an invitation's token nor an endpoint's signing secret.
// Errors: any other type.
func (Renderer) Render(v any) ([]byte, error) {
	var out any
	switch r := v.(type) {
	case domain.Organization:
		return appendOrganization(nil, r)
	case domain.Member:
		out = toMemberJSON(r)
	case domain.Invitation:
		out = toInvitationJSON(r)
	case domain.Invite:
		out = toInviteJSON(r) // Code stays empty: the code is shown once, in the create answer
	case domain.CustomDomain:
		out = toDomainJSON(r)
	case domain.APIKey:
		out = toAPIKeyJSON(r) // APIKey stays nil: only the reveal carries the plaintext
	case domain.User:
		out = toUserJSON(r)
	case domain.WebhookEndpoint:
		out = toEndpointJSON(r) // Secret stays nil: shown at create and rotate only
	default:
		return nil, fmt.Errorf("render: no API shape for %T", v)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("render %T: %w", v, err)
	}
	return b, nil
}
