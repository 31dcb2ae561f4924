package ports

import (
	"context"

	"github.com/orgkit/orgkit/domain"
)

// TokenVerifier checks a bearer token and says who it names.
type TokenVerifier interface {
	// Verify returns the token's identity. Errors: unauthorized for a missing, malformed,
	// expired, not-yet-valid, wrongly signed or wrongly addressed token, and for claims no
	// user may be provisioned from.
	Verify(ctx context.Context, token string) (domain.Identity, error)
}
