package domain

import "time"

// Identity is what a verified token says about its bearer.
type Identity struct {
	Subject       string // the identity provider's user id (`sub`)
	Email         string // may be empty when the provider sends none
	Name          string
	EmailVerified *bool // nil when the token has no email_verified claim
}

// User is an orgkit user, provisioned from an Identity on first authenticated request.
type User struct {
	ID                    int64
	Subject               string
	Email                 *string
	Name                  *string
	IsSuperadmin          bool // granted with `orgkit superadmin grant`
	CurrentOrganizationID *int64
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// Membership links a user to an organization with a role.
type Membership struct {
	OrganizationID int64
	UserID         int64
	Role           Role
	CreatedAt      time.Time
}

// Me is the caller's own view: the user, their organizations and platform role.
type Me struct {
	User            User
	OrganizationIDs []int64
	Superadmin      bool
}
