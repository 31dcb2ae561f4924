package ports

import (
	"context"

	"github.com/orgkit/orgkit/domain"
)

// Authenticator verifies a bearer token.
type Authenticator interface {
	// Authenticate returns the token's identity. Errors: unauthorized for a missing,
	// malformed, expired, not-yet-valid, wrongly signed or wrongly addressed token.
	Authenticate(ctx context.Context, token string) (domain.Identity, error)
}
