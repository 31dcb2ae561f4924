package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"time"
	"unicode/utf8"
)

// Invite link bounds.
const (
	InviteNoteMax     = 500
	InviteMaxUsesMax  = 100_000
	InviteLifetimeMax = 366 * 24 * time.Hour
	// SecretLen is the length of an invite code or invitation token: 32 random bytes in
	// unpadded base64url (256 bits; the contract asks for at least 128).
	SecretLen = 43
	// SecretPrefixLen is how much of a code lists show, enough to tell codes apart.
	SecretPrefixLen = 8
)

// Invite is a shareable link that lets anyone holding its code join an organization with
// its role. Only a hash of the code is stored.
type Invite struct {
	ID             int64
	OrganizationID int64
	CodeHash       []byte
	CodePrefix     string
	Role           Role
	ExpiresAt      *time.Time // nil: never
	MaxUses        *int       // nil: unlimited
	Uses           int
	Disabled       bool
	Note           *string
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// NewInvite is what an administrator chooses when creating an invite link.
type NewInvite struct {
	Role      Role
	ExpiresAt *time.Time
	MaxUses   *int
	Note      *string
}

// Validate checks every field of n at now, reporting all bad ones.
func (n NewInvite) Validate(now time.Time) error {
	var v Validation
	if !n.Role.Assignable() {
		v.Add("role", "role must be one of admin, member, viewer: ownership is not given by invitation")
	}
	if n.ExpiresAt != nil && (!n.ExpiresAt.After(now) || n.ExpiresAt.Sub(now) > InviteLifetimeMax) {
		v.Add("expires_at", "expires_at must be in the future and at most 366 days away")
	}
	if n.MaxUses != nil && (*n.MaxUses < 1 || *n.MaxUses > InviteMaxUsesMax) {
		v.Add("max_uses", "max_uses must be an integer from 1 to %d", InviteMaxUsesMax)
	}
	validateNote(&v, n.Note)
	return v.Err()
}

func validateNote(v *Validation, note *string) {
	if note != nil && (!SafeText(*note, true) || utf8.RuneCountInString(*note) > InviteNoteMax) {
		v.Add("note", "note must be text of at most %d characters", InviteNoteMax)
	}
}

// InvitePatch changes an invite link: disable or re-enable it, or edit its note.
type InvitePatch struct {
	Disabled *bool
	Note     Optional[string]
}

// Apply returns i with p applied and the names of the changed fields.
// Errors: validation_error.
func (p InvitePatch) Apply(i Invite) (Invite, []string, error) {
	var changed []string
	if p.Disabled != nil {
		i.Disabled = *p.Disabled
		changed = append(changed, "disabled")
	}
	if p.Note.Set {
		i.Note = p.Note.Value
		changed = append(changed, "note")
	}
	var v Validation
	validateNote(&v, i.Note)
	return i, changed, v.Err()
}

// Usable reports why the invite cannot be used at now, checking disabled, then expired,
// then used up.
// Errors: invite_disabled, invite_expired, invite_exhausted.
func (i Invite) Usable(now time.Time) error {
	switch {
	case i.Disabled:
		return ErrInviteDisabled
	case i.ExpiresAt != nil && !now.Before(*i.ExpiresAt):
		return ErrInviteExpired
	case i.MaxUses != nil && i.Uses >= *i.MaxUses:
		return ErrInviteExhausted
	}
	return nil
}

// HashSecret is what is stored of an invite code or invitation token: SHA-256, which is
// enough for a 256-bit random secret (no dictionary to guess from).
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// SecretMatches compares a presented secret with a stored hash in constant time.
func SecretMatches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), hash) == 1
}

// WellFormedSecret reports whether s looks like a code orgkit made (SecretLen base64url
// characters), so a malformed one is refused before any lookup.
func WellFormedSecret(s string) bool {
	if len(s) != SecretLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
