// Package ports declares the interfaces the app layer needs from the outside world. Every
// method documents the domain error codes it returns; anything else is an internal error.
package ports

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// OrganizationRepo stores organizations.
type OrganizationRepo interface {
	// Create inserts o and returns it with its id and timestamps.
	// Errors: slug_taken when another organization has the slug (case-insensitively).
	Create(ctx context.Context, o domain.Organization) (domain.Organization, error)
	// Get returns the organization with its members_count. Errors: organization_not_found.
	Get(ctx context.Context, id int64) (domain.Organization, error)
	// GetForUpdate is Get that also locks the row until the transaction ends (Postgres).
	GetForUpdate(ctx context.Context, id int64) (domain.Organization, error)
	// GetBySlug finds an organization by slug, case-insensitively. Errors: organization_not_found.
	GetBySlug(ctx context.Context, slug string) (domain.Organization, error)
	// List returns one page of organizations matching q.
	List(ctx context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error)
	// Update writes exactly the named columns of o, and updated_at from o.UpdatedAt.
	// Errors: organization_not_found.
	Update(ctx context.Context, o domain.Organization, columns []string) (domain.Organization, error)
	// Delete removes the organization and every row that belongs to it.
	// Errors: organization_not_found.
	Delete(ctx context.Context, id int64) error
}

// UserRepo stores users.
type UserRepo interface {
	// Provision returns the user with id.Subject, creating it when absent and refreshing its
	// email and name when they changed. Concurrent calls for one subject make one user.
	// Errors: email_taken when another subject already has the email.
	Provision(ctx context.Context, id domain.Identity, now time.Time) (domain.User, error)
	// Get returns a user by id. Errors: user_not_found.
	Get(ctx context.Context, id int64) (domain.User, error)
	// GetByEmail finds a user by email, case-insensitively. Errors: user_not_found.
	GetByEmail(ctx context.Context, email string) (domain.User, error)
	// SetSuperadmin grants or revokes the platform role. Errors: user_not_found.
	SetSuperadmin(ctx context.Context, email string, on bool) (domain.User, error)
	// SetCurrentOrganization records the user's active organization. Errors: user_not_found.
	SetCurrentOrganization(ctx context.Context, userID, orgID int64) error
	// SetCurrentOrganizationIfUnset does the same only when the user has none yet.
	SetCurrentOrganizationIfUnset(ctx context.Context, userID, orgID int64) error
}

// MembershipRepo stores who belongs to which organization with which role.
type MembershipRepo interface {
	// Create adds a membership. Errors: user_already_connected.
	Create(ctx context.Context, m domain.Membership) (domain.Membership, error)
	// Role returns the user's role in the organization, or "" when not a member.
	Role(ctx context.Context, orgID, userID int64) (domain.Role, error)
	// OrganizationIDs lists the organizations the user belongs to, ascending.
	OrganizationIDs(ctx context.Context, userID int64) ([]int64, error)
}

// Repos is the set of repositories bound to one transaction (or to none).
type Repos interface {
	Organizations() OrganizationRepo
	Users() UserRepo
	Memberships() MembershipRepo
}

// UnitOfWork runs fn in one database transaction: fn's error (or a panic) rolls back, nil
// commits. fn must not do network calls or cache writes; do those after Do returns.
type UnitOfWork interface {
	Repos
	Do(ctx context.Context, fn func(tx Repos) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
}
