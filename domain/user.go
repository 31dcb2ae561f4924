package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

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
	// Organization is the organization the identity provider says the user belongs to (the
	// token's organization or org_name claim), the name of their personal organization when
	// ORGKIT_PERSONAL_ORGANIZATIONS gives them one; "" when absent. Only a usable
	// organization name is kept (see PersonalOrganizationName).
	Organization string
}

// DevSubject is the subject of a development token minted for email, by the portal's
// development sign-in and by `orgkit token` without --sub: both make the same subject, so a
// developer who signs in either way is one user (users are keyed by subject, and a verified
// email belongs to one user only). Only development servers mint such tokens.
func DevSubject(email string) string { return "dev|" + NormalizeEmail(email) }

// User is an orgkit user, provisioned from an Identity on first authenticated request.
type User struct {
	ID                    int64
	Subject               string
	Email                 *string // normalized (NormalizeEmail); unique among users
	EmailVerified         bool    // only a verified email matches invitations, superadmins, connect-user
	Name                  *string
	IsSuperadmin          bool // granted with `orgkit superadmin grant`
	CurrentOrganizationID *int64
	// PersonalCheckedAt is when orgkit decided whether the user gets a personal organization
	// (it made one, or they belonged to one already); nil: not yet. Set once and never
	// cleared: a user who later leaves every organization gets no new one.
	PersonalCheckedAt *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
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
// than SubjectMax bytes or with control characters, and claims with NUL or invalid UTF-8.
// An email or name that is merely unusable (a tab in a name) is not refused: sign-in
// ignores it, so nobody locks themselves out from their identity provider's profile.
// Errors: unauthorized.
func (id Identity) Check() error {
	switch {
	case id.Subject == "":
		return &Error{Code: CodeUnauthorized, Message: "token has no sub claim"}
	case len(id.Subject) > SubjectMax:
		return &Error{Code: CodeUnauthorized, Message: "token sub claim is too long"}
	case !SafeText(id.Subject, false):
		return &Error{Code: CodeUnauthorized, Message: "token sub claim must be valid UTF-8 text without control characters"}
	case !cleanClaim(id.Email) || !cleanClaim(id.Name) || !cleanClaim(id.Organization):
		return &Error{Code: CodeUnauthorized, Message: "token claims must be valid UTF-8 without NUL characters"}
	}
	return nil
}

func cleanClaim(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// DisplayName reports whether a name from an identity provider may be shown as the user's
// name: a display text of at most NameMax characters.
func DisplayName(s string) bool {
	return displayTextProblem(s, false) == "" && utf8.RuneCountInString(s) <= NameMax
}
