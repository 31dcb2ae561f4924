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
	// Errors: slug_taken when another organization has the slug.
	Create(ctx context.Context, o domain.Organization) (domain.Organization, error)
	// Get returns the organization with its members_count. Errors: organization_not_found.
	Get(ctx context.Context, id int64) (domain.Organization, error)
	// GetWithRole is Get and userID's role there ("" when not a member) in one query.
	// Errors: organization_not_found.
	GetWithRole(ctx context.Context, id, userID int64) (domain.Organization, domain.Role, error)
	// GetForUpdate is Get that also locks the row until the transaction ends (Postgres).
	GetForUpdate(ctx context.Context, id int64) (domain.Organization, error)
	// GetBySlug finds an organization by its (normalized) slug. Errors: organization_not_found.
	GetBySlug(ctx context.Context, slug string) (domain.Organization, error)
	// List returns one page of organizations matching q, with the total of all pages and,
	// when another page follows, Next (q.After takes the page after a cursor).
	List(ctx context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error)
	// Update writes exactly the named columns of o, and updated_at from o.UpdatedAt.
	// Errors: organization_not_found.
	Update(ctx context.Context, o domain.Organization, columns []string) (domain.Organization, error)
	// Delete removes the organization and every row that belongs to it.
	// Errors: organization_not_found.
	Delete(ctx context.Context, id int64) error
	// Joinable returns the active organizations that allow public signup, have a verified
	// custom domain named domainName, and do not have userID as a member, by name.
	Joinable(ctx context.Context, domainName string, userID int64) ([]domain.Organization, error)
	// LockCreates holds off every organization insert, and every other LockCreates, until
	// the transaction ends (Postgres: a table lock that readers pass; SQLite: the write lock,
	// which its transactions take one at a time), so that what the transaction reads next
	// about which organizations exist stays true until it commits: racing `orgkit init`
	// runs on an empty database create once.
	LockCreates(ctx context.Context) error
	// PublicBySlug returns the public face of the active organization with the (normalized)
	// slug. Errors: organization_not_found, also for suspended and archived organizations.
	PublicBySlug(ctx context.Context, slug string) (domain.PublicOrganization, error)
	// BlobKeys returns the blob keys (uploaded logos and icons) that the organizations with
	// the given ids name, in no particular order; unknown ids name none.
	BlobKeys(ctx context.Context, ids []int64) ([]string, error)
}

// UserRepo stores users. Emails are stored and compared in their normalized form
// (domain.NormalizeEmail), exactly; one email belongs to at most one user.
type UserRepo interface {
	// Provision returns the user with subject, creating it (with no email or name) when
	// absent. Concurrent calls for one subject make one user.
	Provision(ctx context.Context, subject string, now time.Time) (domain.User, error)
	// Get returns a user by id. Errors: user_not_found.
	Get(ctx context.Context, id int64) (domain.User, error)
	// GetBySubject returns the user with the identity provider's subject. Errors: user_not_found.
	GetBySubject(ctx context.Context, subject string) (domain.User, error)
	// GetByVerifiedEmail finds the user whose verified email is email; a user holding it
	// unverified is not found. Errors: user_not_found.
	GetByVerifiedEmail(ctx context.Context, email string) (domain.User, error)
	// EmailHolder finds the user holding email, verified or not. Errors: user_not_found.
	EmailHolder(ctx context.Context, email string) (domain.User, error)
	// ReleaseUnverifiedEmail clears the email of user userID only if it still holds email
	// unverified, and reports whether it did: a holder that verified it meanwhile keeps it.
	ReleaseUnverifiedEmail(ctx context.Context, userID int64, email string, now time.Time) (bool, error)
	// UpdateProfile writes u's email, email_verified, name and updated_at.
	// Errors: email_taken (another user holds the email), user_not_found.
	UpdateProfile(ctx context.Context, u domain.User) error
	// ClaimPersonalCheck records at now that orgkit decided whether user userID gets a
	// personal organization, only if nothing was recorded yet, and reports whether this call
	// did. The row stays locked until the transaction ends, so of racing first requests one
	// claims and the others, once it committed, see it claimed. Errors: user_not_found.
	ClaimPersonalCheck(ctx context.Context, userID int64, now time.Time) (bool, error)
	// SetSuperadmin grants or revokes the platform role. Errors: user_not_found.
	SetSuperadmin(ctx context.Context, userID int64, on bool) error
	// SetCurrentOrganization records the user's active organization.
	// Errors: user_not_found, organization_not_found.
	SetCurrentOrganization(ctx context.Context, userID, orgID int64) error
	// SetCurrentOrganizationIfUnset does the same only when the user has none yet.
	SetCurrentOrganizationIfUnset(ctx context.Context, userID, orgID int64) error
	// ClearCurrentOrganization unsets the user's current organization when it is orgID.
	ClearCurrentOrganization(ctx context.Context, userID, orgID int64) error
}

// MembershipRepo stores who belongs to which organization with which role.
type MembershipRepo interface {
	// Create adds a membership. Errors: user_already_connected.
	Create(ctx context.Context, m domain.Membership) (domain.Membership, error)
	// Role returns the user's role in the organization, or "" when not a member.
	Role(ctx context.Context, orgID, userID int64) (domain.Role, error)
	// OrganizationIDs lists the organizations the user belongs to, ascending.
	OrganizationIDs(ctx context.Context, userID int64) ([]int64, error)
	// List returns one page of the organization's members, oldest membership first (then by
	// user id), with the total of those q keeps: its role, and its Q as a case-insensitive
	// substring of the email or the name (%, _ and \ match themselves; on SQLite only ASCII
	// letters ignore case).
	List(ctx context.Context, orgID int64, q domain.MemberQuery) (domain.Page[domain.Member], error)
	// Get returns one member. Errors: member_not_found.
	Get(ctx context.Context, orgID, userID int64) (domain.Member, error)
	// SetRole changes a member's role. Errors: member_not_found.
	SetRole(ctx context.Context, orgID, userID int64, role domain.Role) error
	// Delete removes a membership. Errors: member_not_found.
	Delete(ctx context.Context, orgID, userID int64) error
	// CountOwners counts the organization's owners.
	CountOwners(ctx context.Context, orgID int64) (int64, error)
}

// InviteRepo stores invite links; every method but ByCodeHash is scoped by organization.
type InviteRepo interface {
	// Create inserts i and returns it with its id. Errors: organization_not_found.
	Create(ctx context.Context, i domain.Invite) (domain.Invite, error)
	// List returns the organization's invites, newest first.
	List(ctx context.Context, orgID int64) ([]domain.Invite, error)
	// Get returns one invite of the organization. Errors: invite_not_found.
	Get(ctx context.Context, orgID, id int64) (domain.Invite, error)
	// ByCodeHash finds the invite whose code hashes to hash. Errors: invite_not_found.
	ByCodeHash(ctx context.Context, hash []byte) (domain.Invite, error)
	// Update writes disabled, note and updated_at. Errors: invite_not_found.
	Update(ctx context.Context, i domain.Invite) (domain.Invite, error)
	// Use counts one use of the invite if, at now, it is enabled, unexpired and under its
	// max_uses, in one statement, and reports whether it did: racing uses of the last slot
	// have one winner.
	Use(ctx context.Context, id int64, now time.Time) (bool, error)
}

// InvitationRepo stores email invitations; every method but ByTokenHash is scoped by
// organization.
type InvitationRepo interface {
	// Create inserts i and returns it with its id.
	// Errors: invitation_exists (a pending invitation of the organization has the email),
	// organization_not_found.
	Create(ctx context.Context, i domain.Invitation) (domain.Invitation, error)
	// List returns one page of the organization's invitations, newest first; the status
	// filter reads pending ones past their expiry as expired.
	List(ctx context.Context, orgID int64, q domain.InvitationQuery, now time.Time) (domain.Page[domain.Invitation], error)
	// Get returns one invitation of the organization. Errors: invitation_not_found.
	Get(ctx context.Context, orgID, id int64) (domain.Invitation, error)
	// ByTokenHash finds the invitation whose current token hashes to hash.
	// Errors: invitation_not_found.
	ByTokenHash(ctx context.Context, hash []byte) (domain.Invitation, error)
	// AwaitsAny reports whether any organization has a pending invitation of email that
	// has not expired at now.
	AwaitsAny(ctx context.Context, email string, now time.Time) (bool, error)
	// Pending returns the organization's pending invitation of email, expired or not.
	// Errors: invitation_not_found.
	Pending(ctx context.Context, orgID int64, email string) (domain.Invitation, error)
	// Update writes status, token hash, expiry, acceptance and updated_at of i, only while
	// the stored status is still from, and reports whether it did: racing accepts, resends
	// and revokes of one invitation have one winner.
	Update(ctx context.Context, i domain.Invitation, from domain.InvitationStatus) (bool, error)
}

// OutboxRepo holds work to do after commit (see domain.OutboxItem).
type OutboxRepo interface {
	// Add inserts an item, due at its NextAttemptAt.
	Add(ctx context.Context, item domain.OutboxItem) (domain.OutboxItem, error)
	// ClaimDue returns up to limit items due at now and not given up, oldest first, and moves
	// their next attempt to leaseUntil, so no other replica takes them meanwhile. Concurrent
	// claims never return one item twice.
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.OutboxItem, error)
	// Delete removes a delivered item.
	Delete(ctx context.Context, id int64) error
	// Failed records a failed attempt: the attempt count, the error and when to try again; a
	// zero next gives the item up.
	Failed(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error
	// Backlog counts the items not yet delivered nor given up (for metrics).
	Backlog(ctx context.Context) (int64, error)
}

// StatsRepo counts the platform's rows.
type StatsRepo interface {
	// Stats counts organizations by status, users, memberships, verified domains and the
	// invitations pending (unexpired) at now.
	Stats(ctx context.Context, now time.Time) (domain.Stats, error)
}

// AuditRepo is the append-only audit log. It has no update or delete: the database refuses
// both with triggers, and the hash chain shows any change made around them.
type AuditRepo interface {
	// Append chains r to the last record of its organization (or of the platform), sets ID,
	// PrevHash and Hash, and inserts it, with CreatedAt truncated to
	// domain.AuditTimePrecision (what both databases store) before hashing. Appends to one
	// chain are serialized.
	Append(ctx context.Context, r domain.AuditRecord) (domain.AuditRecord, error)
	// List returns one page of records matching q, newest first.
	List(ctx context.Context, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error)
	// Scan returns up to limit records with ID > afterID in ID order, for verification.
	Scan(ctx context.Context, afterID int64, limit int) ([]domain.AuditRecord, error)
}

// APIKeyRepo stores sealed API keys; every method is scoped by organization id.
type APIKeyRepo interface {
	// Create inserts k (Sealed may be a placeholder until Reseal) and returns it with its id.
	Create(ctx context.Context, k domain.APIKey) (domain.APIKey, error)
	// List returns the organization's keys in id order.
	List(ctx context.Context, orgID int64) ([]domain.APIKey, error)
	// Get returns one key of the organization. Errors: api_key_not_found.
	Get(ctx context.Context, orgID, id int64) (domain.APIKey, error)
	// Update writes title, service, sealed key, key id, last4 and updated_at of k.
	// Errors: api_key_not_found.
	Update(ctx context.Context, k domain.APIKey) (domain.APIKey, error)
	// Delete removes one key. Errors: api_key_not_found.
	Delete(ctx context.Context, orgID, id int64) error
	// NotSealedWith returns up to limit keys of any organization sealed with a key other than
	// keyID, in id order, for rotation.
	NotSealedWith(ctx context.Context, keyID string, limit int) ([]domain.APIKey, error)
	// Reseal replaces the ciphertext of a key if it is still old, so concurrent or repeated
	// rotations never overwrite newer data. It reports whether it replaced it.
	Reseal(ctx context.Context, k domain.APIKey, old []byte) (bool, error)
}

// DomainRepo stores organizations' custom domains; every method but the scheduler's and
// the resolver's is scoped by organization id.
type DomainRepo interface {
	// Create inserts d and returns it with its id.
	// Errors: domain_exists (the organization has the name already), organization_not_found.
	Create(ctx context.Context, d domain.CustomDomain) (domain.CustomDomain, error)
	// List returns the organization's domains in id order.
	List(ctx context.Context, orgID int64) ([]domain.CustomDomain, error)
	// Get returns one domain of the organization. Errors: domain_not_found.
	Get(ctx context.Context, orgID, id int64) (domain.CustomDomain, error)
	// GetForUpdate is Get that also locks the row until the transaction ends (Postgres).
	GetForUpdate(ctx context.Context, orgID, id int64) (domain.CustomDomain, error)
	// Update writes d's status, failure reason and check times, and updated_at.
	// Errors: domain_not_found, domain_taken (another organization has the name verified:
	// the database refuses a second verified row for one name, so racing verifies have one
	// winner).
	Update(ctx context.Context, d domain.CustomDomain) (domain.CustomDomain, error)
	// Delete removes one domain. Errors: domain_not_found.
	Delete(ctx context.Context, orgID, id int64) error
	// ByName returns every organization's domain with the name, in id order.
	ByName(ctx context.Context, name string) ([]domain.CustomDomain, error)
	// ClaimDue returns up to limit domains whose next check is due at now, oldest due first,
	// and moves their next check to leaseUntil, so that another replica claims none of them
	// until then. Concurrent claims never return one domain twice.
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.CustomDomain, error)
	// PublicOrganization returns the public face of the active organization whose verified
	// domain is name. Errors: organization_not_found (no such verified domain, or the
	// organization is suspended or archived).
	PublicOrganization(ctx context.Context, name string) (domain.PublicOrganization, error)
}

// Repos is the set of repositories bound to one transaction (or to none).
type Repos interface {
	Organizations() OrganizationRepo
	Users() UserRepo
	Memberships() MembershipRepo
	Audit() AuditRepo
	APIKeys() APIKeyRepo
	Domains() DomainRepo
	Invites() InviteRepo
	Invitations() InvitationRepo
	Outbox() OutboxRepo
	Stats() StatsRepo
	Events() EventRepo
	Webhooks() WebhookRepo
}

// UnitOfWork runs fn in one database transaction: fn's error (or a panic) rolls back, nil
// commits. fn must not do network calls or cache writes; do those after Do returns.
type UnitOfWork interface {
	Repos
	Do(ctx context.Context, fn func(tx Repos) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
}
