package domain

import "time"

// SubjectMax bounds the identity provider's user id, in bytes.
const SubjectMax = 255

// Identity is what a verified token says about its bearer.
type Identity struct {
	Subject string // the identity provider's user id (`sub`)
	Email   string // may be empty when the provider sends none
	Name    string
	// EmailVerified is true only when the issuer vouches for Email: the token's
	// email_verified claim is the JSON boolean true, or the operator declared that the issuer
	// only issues verified emails. Nothing is matched against an unverified email.
	EmailVerified bool
}

// User is an orgkit user, provisioned from an Identity on first authenticated request.
type User struct {
	ID                    int64
	Subject               string
	Email                 *string // normalized (NormalizeEmail); unique among users
	EmailVerified         bool    // only a verified email matches invitations, superadmins, connect-user
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

// Check refuses identities no user may be provisioned from: no subject, a subject longer
// than SubjectMax bytes, or any claim that is not safe text (NUL, invalid UTF-8, control
// characters). Errors: unauthorized.
func (id Identity) Check() error {
	switch {
	case id.Subject == "":
		return &Error{Code: CodeUnauthorized, Message: "token has no sub claim"}
	case len(id.Subject) > SubjectMax:
		return &Error{Code: CodeUnauthorized, Message: "token sub claim is too long"}
	case !SafeText(id.Subject, false) || !SafeText(id.Email, false) || !SafeText(id.Name, false):
		return &Error{Code: CodeUnauthorized, Message: "token claims must be valid UTF-8 text without control characters"}
	}
	return nil
}
