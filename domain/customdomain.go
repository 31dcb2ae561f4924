package domain

import (
	"slices"
	"strings"
	"time"
)

// DomainStatus is where a custom domain stands in proving that its organization controls it.
type DomainStatus string

// Custom domain statuses. Only a verified domain resolves to its organization.
const (
	DomainPending  DomainStatus = "pending"
	DomainVerified DomainStatus = "verified"
	DomainFailed   DomainStatus = "failed"
)

// FailureReason says why the last TXT check of a domain did not prove it.
type FailureReason string

// Failure reasons of a TXT check.
const (
	FailureRecordNotFound FailureReason = "record_not_found" // no TXT record at the verification host
	FailureValueMismatch  FailureReason = "value_mismatch"   // TXT records exist, none holds the token
	FailureResolverError  FailureReason = "resolver_error"   // no resolver answered
)

// DefaultDomainTypes are the kinds of custom domain an organization may add unless the
// service configures its own.
var DefaultDomainTypes = []string{"clinic", "portal"}

// MaxDomainsPerOrganization bounds what one organization's administrators can make the
// service look up in DNS every few minutes (names of other people's included).
const MaxDomainsPerOrganization = 50

// CustomDomain is a host name an organization serves its pages on, once proven by a DNS TXT
// record holding VerificationToken at <prefix>.<Name>.
type CustomDomain struct {
	ID                int64
	OrganizationID    int64
	Name              string // ASCII (punycode), lower-case, without a trailing dot
	Type              string
	Status            DomainStatus
	VerificationToken string
	FailureReason     *FailureReason // the last check's, while it failed
	VerifiedAt        *time.Time     // set while verified
	LastCheckAt       *time.Time
	FailingSince      *time.Time // first of the consecutive failed checks of a verified domain
	RetryUntil        *time.Time // an unverified domain is re-checked until then
	NextCheckAt       *time.Time // nil: no scheduled check
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// DomainSchedule is when domains are checked again in the background.
type DomainSchedule struct {
	PendingEvery  time.Duration // an unverified domain, until RetryUntil
	PendingExpiry time.Duration // how long an unverified domain is retried (RetryUntil)
	VerifiedEvery time.Duration // a verified domain whose record is in place
	FailingEvery  time.Duration // a verified domain whose record went missing
	Grace         time.Duration // how long a verified domain's record may be missing before it lapses
}

// DefaultDomainSchedule re-checks unverified domains every 15 minutes for 7 days, verified
// ones daily (hourly while their record is missing), and lets a verified domain lapse after
// its record was missing for 72 hours of consecutive checks.
func DefaultDomainSchedule() DomainSchedule {
	return DomainSchedule{PendingEvery: 15 * time.Minute, PendingExpiry: 7 * 24 * time.Hour,
		VerifiedEvery: 24 * time.Hour, FailingEvery: time.Hour, Grace: 72 * time.Hour}
}

// NewCustomDomain is a domain an organization adds: pending, with its token, first checked
// in the background one PendingEvery after now. name must be normalized (FoldHostname, then
// IDNA to ASCII); typ must be one of types.
// Errors: validation_error (domain, domain_type).
func NewCustomDomain(orgID int64, name, typ string, types, platformDomains []string, token string, now time.Time, s DomainSchedule) (CustomDomain, error) {
	var v Validation
	v.Merge(ValidateDomainName(name, platformDomains))
	if !slices.Contains(types, typ) {
		v.Add("domain_type", "domain_type must be one of %s", strings.Join(types, ", "))
	}
	if err := v.Err(); err != nil {
		return CustomDomain{}, err
	}
	until, next := now.Add(s.PendingExpiry), now.Add(s.PendingEvery)
	return CustomDomain{OrganizationID: orgID, Name: name, Type: typ, Status: DomainPending, VerificationToken: token,
		RetryUntil: &until, NextCheckAt: &next, CreatedAt: now, UpdatedAt: now}, nil
}

// MatchTXT compares the TXT records at a domain's verification host with its token: ""
// when one of them holds it, else why not.
func MatchTXT(records []string, token string) FailureReason {
	if len(records) == 0 {
		return FailureRecordNotFound
	}
	for _, r := range records {
		if strings.TrimSpace(r) == token {
			return ""
		}
	}
	return FailureValueMismatch
}

// Checked is d after a TXT check made at now found reason ("" when it matched): the state
// the domain moves to and the audit action of its status change ("" when the status stayed).
// manual is a check an administrator asked for, which fails an unverified domain at once
// and gives it PendingExpiry more of background checks; a background check leaves a pending
// domain pending until it expires. A verified domain lapses only after its record was
// missing or wrong for Grace (resolver errors prove nothing and do not count), never on one
// failed check. Consecutive resolver errors back off (see retryAfter).
func (d CustomDomain) Checked(reason FailureReason, now time.Time, manual bool, s DomainSchedule) (CustomDomain, string) {
	n := d
	n.LastCheckAt, n.UpdatedAt = &now, now
	if reason == "" {
		n.FailureReason, n.FailingSince, n.RetryUntil, n.NextCheckAt = nil, nil, nil, at(now.Add(s.VerifiedEvery))
		if d.Status == DomainVerified {
			return n, ""
		}
		n.Status, n.VerifiedAt = DomainVerified, &now
		return n, AuditDomainVerified
	}
	n.FailureReason = &reason
	if d.Status == DomainVerified {
		return n.failingCheck(reason, now, d.retryAfter(reason, now, s.FailingEvery, s), s)
	}
	if manual {
		n.Status, n.RetryUntil, n.NextCheckAt = DomainFailed, at(now.Add(s.PendingExpiry)), at(now.Add(s.PendingEvery))
		return n, statusChange(d, n, AuditDomainVerificationFailed)
	}
	if n.RetryUntil == nil || !now.Before(*n.RetryUntil) {
		n.Status, n.NextCheckAt = DomainFailed, nil
		return n, statusChange(d, n, AuditDomainExpired)
	}
	n.NextCheckAt = at(now.Add(d.retryAfter(reason, now, s.PendingEvery, s)))
	return n, ""
}

// retryAfter is how long after a failed check at now the next one comes: every after most
// failures, but consecutive resolver errors back off, each gap twice the last (the time
// since the previous check, itself a resolver error), up to VerifiedEvery (or every, when
// that is longer). A resolver that times out or answers SERVFAIL is asked ever less often
// instead of at the failure's own pace, and a domain whose resolver is back is checked
// again within twice its last gap.
func (d CustomDomain) retryAfter(reason FailureReason, now time.Time, every time.Duration, s DomainSchedule) time.Duration {
	if reason != FailureResolverError || d.FailureReason == nil || *d.FailureReason != FailureResolverError || d.LastCheckAt == nil {
		return every
	}
	return min(max(2*now.Sub(*d.LastCheckAt), every), max(s.VerifiedEvery, every))
}

// failingCheck is a failed check of a verified domain: it lapses once its record has been
// missing for the grace period, else it is checked again after retry.
func (d CustomDomain) failingCheck(reason FailureReason, now time.Time, retry time.Duration, s DomainSchedule) (CustomDomain, string) {
	proven := reason != FailureResolverError // the record is missing or wrong, not the resolver
	if proven && d.FailingSince == nil {
		d.FailingSince = &now
	}
	if proven && now.Sub(*d.FailingSince) >= s.Grace {
		d.Status, d.VerifiedAt, d.FailingSince, d.NextCheckAt = DomainFailed, nil, nil, nil
		return d, AuditDomainLapsed
	}
	d.NextCheckAt = at(now.Add(retry))
	return d, ""
}

func statusChange(before, after CustomDomain, action string) string {
	if before.Status == after.Status {
		return ""
	}
	return action
}

func at(t time.Time) *time.Time { return &t }

// PublicOrganization is what anyone may learn of an active organization from its slug or
// verified domain, before signing in: enough to brand a page.
type PublicOrganization struct {
	ID           int64
	Name         string
	Slug         string
	LogoURL      *string
	IconURL      *string
	LanguageCode *string
}

// Public is the public face of o.
func (o Organization) Public() PublicOrganization {
	return PublicOrganization{ID: o.ID, Name: o.Name, Slug: o.Slug, LogoURL: o.LogoURL, IconURL: o.IconURL, LanguageCode: o.LanguageCode}
}
