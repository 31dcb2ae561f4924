package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Audit actions: dotted names, the first part the kind of target.
const (
	AuditOrganizationCreated  = "organization.created"
	AuditOrganizationUpdated  = "organization.updated"
	AuditOrganizationDeleted  = "organization.deleted"
	AuditMemberConnected      = "member.connected"
	AuditMemberAdded          = "member.added"
	AuditMemberRoleChanged    = "member.role_changed"
	AuditMemberRemoved        = "member.removed"
	AuditMemberLeft           = "member.left"
	AuditMemberJoined         = "member.joined" // by a verified email at a verified domain
	AuditInviteCreated        = "invite.created"
	AuditInviteUpdated        = "invite.updated"
	AuditInviteAccepted       = "invite.accepted"
	AuditInvitationCreated    = "invitation.created"
	AuditInvitationResent     = "invitation.resent"
	AuditInvitationRevoked    = "invitation.revoked"
	AuditInvitationAccepted   = "invitation.accepted"
	AuditOrganizationSwitched = "user.organization_switched"
	AuditSuperadminGranted    = "superadmin.granted"
	AuditSuperadminRevoked    = "superadmin.revoked"
	AuditUserEmailReleased    = "user.email_released"
	AuditUserEmailRelinked    = "user.email_relinked"
	AuditAPIKeyCreated        = "api_key.created"
	AuditAPIKeyUpdated        = "api_key.updated"
	AuditAPIKeyDeleted        = "api_key.deleted"
	AuditAPIKeysRevealed      = "api_keys.revealed"
	AuditDomainCreated        = "domain.created"
	AuditDomainDeleted        = "domain.deleted"
	// Status changes of a domain: proven, refused on an administrator's check, given up after
	// its retry window, or lost after its record was missing for the grace period.
	AuditDomainVerified           = "domain.verified"
	AuditDomainVerificationFailed = "domain.verification_failed"
	AuditDomainExpired            = "domain.expired"
	AuditDomainLapsed             = "domain.lapsed"
)

// AuditRecord is one append-only entry. Changes names the changed fields, never their values,
// so a record can never leak a secret. Hash chains each record to the previous record of the
// same organization (or of the platform, when OrganizationID is nil).
type AuditRecord struct {
	ID             int64
	OrganizationID *int64
	ActorUserID    *int64
	ActorEmail     *string
	Action         string
	TargetType     string
	TargetID       string
	RequestID      string
	IP             string
	UserAgent      string
	Changes        []string
	CreatedAt      time.Time
	PrevHash       string
	Hash           string
}

// AuditTimePrecision is what both databases keep of created_at (Postgres rounds anything
// finer). AuditRepo.Append truncates CreatedAt to it before hashing and storing, so the hash
// covers the time as stored, whatever clock wrote it.
const AuditTimePrecision = time.Microsecond

// ChainKey identifies the chain a record belongs to: its organization id, 0 for the platform.
func (r AuditRecord) ChainKey() int64 {
	if r.OrganizationID == nil {
		return 0
	}
	return *r.OrganizationID
}

// ComputeHash is SHA-256 over PrevHash and every field but ID and Hash, so changing,
// removing or reordering any record breaks the chain after it.
func (r AuditRecord) ComputeHash() string {
	changes, _ := json.Marshal(r.Changes)
	opt := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	email := ""
	if r.ActorEmail != nil {
		email = *r.ActorEmail
	}
	fields := []string{"orgkit-audit-v1", r.PrevHash, opt(r.OrganizationID), opt(r.ActorUserID), email,
		r.Action, r.TargetType, r.TargetID, r.RequestID, r.IP, r.UserAgent, string(changes),
		r.CreatedAt.UTC().Format(time.RFC3339Nano)}
	sum := sha256.Sum256([]byte(strings.Join(fields, "\x1f")))
	return hex.EncodeToString(sum[:])
}

// AuditQuery selects a page of audit records, newest first.
type AuditQuery struct {
	Page           int
	PageSize       int
	OrganizationID *int64 // nil: every organization (superadmins)
	Action         string
	ActorUserID    *int64
	ActorEmail     string
	From, To       *time.Time // inclusive bounds on created_at
}

// Offset is the number of rows before the page.
func (q AuditQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Normalize fills the zero values with the defaults (page 1, 25 a page) and checks every
// bound, so library callers may pass AuditQuery{}. Emails compare in their normalized form.
func (q AuditQuery) Normalize() (AuditQuery, error) {
	var v Validation
	normalizePage(&v, &q.Page, &q.PageSize)
	if !SafeText(q.Action, false) || len(q.Action) > 100 {
		v.Add("action", "action must be at most 100 characters of text")
	}
	if q.ActorEmail != "" {
		q.ActorEmail = NormalizeEmail(q.ActorEmail)
		if !ValidEmail(q.ActorEmail) {
			v.Add("actor", "actor must be a user id or an email")
		}
	}
	return q, v.Err()
}

// RequestMeta is what the audit log records about the request behind a change.
type RequestMeta struct {
	RequestID string
	IP        string
	UserAgent string
}

type requestMetaKey struct{}

// WithRequestMeta returns ctx carrying m; the HTTP adapter sets it for every request.
func WithRequestMeta(ctx context.Context, m RequestMeta) context.Context {
	return context.WithValue(ctx, requestMetaKey{}, m)
}

// RequestMetaFrom returns the request metadata of ctx (zero outside a request, e.g. the CLI).
func RequestMetaFrom(ctx context.Context) RequestMeta {
	m, _ := ctx.Value(requestMetaKey{}).(RequestMeta)
	return m
}
