package gormstore

import (
	"context"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/ports"
)

var _ ports.UnitOfWork = (*Store)(nil)

// repos binds the repositories to one *gorm.DB: the pool, or a transaction.
type repos struct {
	db      *gorm.DB
	dialect Dialect
}

func (r repos) Organizations() ports.OrganizationRepo { return orgRepo(r) }
func (r repos) Users() ports.UserRepo                 { return userRepo(r) }
func (r repos) Memberships() ports.MembershipRepo     { return membershipRepo(r) }
func (r repos) Audit() ports.AuditRepo                { return auditRepo(r) }
func (r repos) APIKeys() ports.APIKeyRepo             { return apiKeyRepo(r) }
func (r repos) Domains() ports.DomainRepo             { return domainRepo(r) }
func (r repos) Invites() ports.InviteRepo             { return inviteRepo(r) }
func (r repos) Invitations() ports.InvitationRepo     { return invitationRepo(r) }
func (r repos) Outbox() ports.OutboxRepo              { return outboxRepo(r) }
func (r repos) Stats() ports.StatsRepo                { return statsRepo(r) }
func (r repos) Events() ports.EventRepo               { return eventRepo(r) }
func (r repos) Webhooks() ports.WebhookRepo           { return webhookRepo(r) }

func (s *Store) repos() repos { return repos{db: s.db, dialect: s.dialect} }

// Organizations returns the organization repository outside any transaction.
func (s *Store) Organizations() ports.OrganizationRepo { return s.repos().Organizations() }

// Users returns the user repository outside any transaction.
func (s *Store) Users() ports.UserRepo { return s.repos().Users() }

// Memberships returns the membership repository outside any transaction.
func (s *Store) Memberships() ports.MembershipRepo { return s.repos().Memberships() }

// Audit returns the audit log outside any transaction.
func (s *Store) Audit() ports.AuditRepo { return s.repos().Audit() }

// APIKeys returns the API-key repository outside any transaction.
func (s *Store) APIKeys() ports.APIKeyRepo { return s.repos().APIKeys() }

// Domains returns the custom-domain repository outside any transaction.
func (s *Store) Domains() ports.DomainRepo { return s.repos().Domains() }

// Invites returns the invite-link repository outside any transaction.
func (s *Store) Invites() ports.InviteRepo { return s.repos().Invites() }

// Invitations returns the email-invitation repository outside any transaction.
func (s *Store) Invitations() ports.InvitationRepo { return s.repos().Invitations() }

// Outbox returns the outbox outside any transaction.
func (s *Store) Outbox() ports.OutboxRepo { return s.repos().Outbox() }

// Stats returns the platform counts outside any transaction.
func (s *Store) Stats() ports.StatsRepo { return s.repos().Stats() }

// Events returns the event stream outside any transaction.
func (s *Store) Events() ports.EventRepo { return s.repos().Events() }

// Webhooks returns the webhook endpoints and deliveries outside any transaction.
func (s *Store) Webhooks() ports.WebhookRepo { return s.repos().Webhooks() }

// Do runs fn in one transaction; this is the only place orgkit opens one. Errors of BEGIN
// and COMMIT (a busy SQLite fails at BEGIN) and any untranslated driver error of fn go
// through dbErr; fn's domain errors pass unchanged.
func (s *Store) Do(ctx context.Context, fn func(tx ports.Repos) error) error {
	return dbErr("transaction", s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(repos{db: tx, dialect: s.dialect})
	}))
}

// TxDB returns the *gorm.DB of a transaction a use case handed to a hook (such as
// OrganizationDeleting), so the host writes its own rows in the same transaction. It
// reports false for repositories of another store.
func TxDB(tx ports.Repos) (*gorm.DB, bool) {
	for {
		switch r := tx.(type) {
		case repos:
			return r.db, true
		case interface{ Unwrap() ports.Repos }:
			tx = r.Unwrap()
		default:
			return nil, false
		}
	}
}
