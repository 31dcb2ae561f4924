package domain

import (
	"errors"
	"time"
)

// InvitationStatus is where an email invitation stands.
type InvitationStatus string

// Invitation statuses. A pending invitation past its expiry reads as expired.
const (
	InvitationPending  InvitationStatus = "pending"
	InvitationAccepted InvitationStatus = "accepted"
	InvitationRevoked  InvitationStatus = "revoked"
	InvitationExpired  InvitationStatus = "expired"
)

// Valid reports whether s is a known status.
func (s InvitationStatus) Valid() bool {
	return s == InvitationPending || s == InvitationAccepted || s == InvitationRevoked || s == InvitationExpired
}

// DefaultInvitationTTL is how long an invitation's token works.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// Invitation invites one email address to an organization with a role. Only a hash of its
// token is stored; resending replaces the token, so the old link dies.
type Invitation struct {
	ID             int64
	OrganizationID int64
	Email          string // normalized
	Role           Role
	Status         InvitationStatus // as stored: pending, accepted or revoked (expired once swept)
	TokenHash      []byte
	InvitedBy      int64 // the inviting user; 0: an operator (`orgkit init`), the only inviter of an owner
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedBy     *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// StatusAt is the status at now: a pending invitation past its expiry is expired.
func (i Invitation) StatusAt(now time.Time) InvitationStatus {
	if i.Status == InvitationPending && !now.Before(i.ExpiresAt) {
		return InvitationExpired
	}
	return i.Status
}

// Open reports why the invitation cannot be accepted or resent at now; expired ones may
// be resent (see Resendable).
// Errors: invitation_expired, invitation_revoked, invitation_accepted.
func (i Invitation) Open(now time.Time) error {
	switch i.StatusAt(now) {
	case InvitationExpired:
		return ErrInvitationExpired
	case InvitationRevoked:
		return ErrInvitationRevoked
	case InvitationAccepted:
		return ErrInvitationAccepted
	}
	return nil
}

// Resendable reports why the invitation cannot get a new token: only accepted and revoked
// ones cannot; an expired one can, which is what resending is for.
// Errors: invitation_revoked, invitation_accepted.
func (i Invitation) Resendable(now time.Time) error {
	if err := i.Open(now); err != nil && !errors.Is(err, ErrInvitationExpired) {
		return err
	}
	return nil
}

// InvitationQuery selects a page of an organization's invitations, newest first.
type InvitationQuery struct {
	Page     int
	PageSize int
	Status   *InvitationStatus // nil: every status
}

// Offset is the number of rows before the page.
func (q InvitationQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Normalize fills zero values with the defaults (page 1, 25 a page) and checks every bound.
func (q InvitationQuery) Normalize() (InvitationQuery, error) {
	var v Validation
	normalizePage(&v, &q.Page, &q.PageSize)
	if q.Status != nil && !q.Status.Valid() {
		v.Add("status", "status must be one of pending, accepted, revoked, expired")
	}
	return q, v.Err()
}

// Mail is one message to send.
type Mail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
}
