package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// InvitePreview is what anyone holding an invite code may learn before accepting it.
type InvitePreview struct {
	Organization domain.PublicOrganization
	Role         domain.Role
	ExpiresAt    *time.Time
}

// CreateInvite makes an invite link. The code is returned once, here; only its hash is
// kept.
// Errors: organization_not_found, forbidden (also a role above the caller's own),
// validation_error.
func (s *Service) CreateInvite(ctx context.Context, p domain.Principal, orgID int64, n domain.NewInvite) (domain.Invite, string, error) {
	code := s.newSecret()
	var inv domain.Invite
	err := s.do(ctx, func(tx ports.Repos) error {
		_, actor, err := s.authorize(ctx, tx, p, orgID, domain.ActionInviteManage, false)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if err := n.Validate(now); err != nil {
			return err
		}
		if err := domain.CheckGrant(p, actor, n.Role); err != nil {
			return err
		}
		inv = domain.Invite{OrganizationID: orgID, CodeHash: domain.HashSecret(code), CodePrefix: code[:domain.SecretPrefixLen],
			Role: n.Role, ExpiresAt: n.ExpiresAt, MaxUses: n.MaxUses, Note: n.Note, CreatedBy: p.User.ID, CreatedAt: now, UpdatedAt: now}
		if inv, err = tx.Invites().Create(ctx, inv); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditInviteCreated, targetType: "invite", targetID: inv.ID})
	})
	if err != nil {
		return domain.Invite{}, "", wrap("create invite", err)
	}
	return inv, code, nil
}

// ListInvites returns an organization's invite links, newest first, to its managers.
// Errors: organization_not_found, forbidden.
func (s *Service) ListInvites(ctx context.Context, p domain.Principal, orgID int64) ([]domain.Invite, error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionInviteManage); err != nil {
		return nil, err
	}
	invs, err := s.uow.Invites().List(ctx, orgID)
	return invs, wrap("list invites", err)
}

// UpdateInvite disables or re-enables an invite link, or edits its note.
// Errors: organization_not_found, forbidden, validation_error, invite_not_found.
func (s *Service) UpdateInvite(ctx context.Context, p domain.Principal, orgID, id int64, patch domain.InvitePatch) (domain.Invite, error) {
	var out domain.Invite
	err := s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionInviteManage, false); err != nil {
			return err
		}
		inv, err := tx.Invites().Get(ctx, orgID, id)
		if err != nil {
			return err
		}
		next, cols, err := patch.Apply(inv)
		if err != nil || len(cols) == 0 {
			out = inv
			return err
		}
		next.UpdatedAt = s.clock.Now()
		if out, err = tx.Invites().Update(ctx, next); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditInviteUpdated, targetType: "invite", targetID: id, changes: cols})
	})
	return out, wrap("update invite", err)
}

// PreviewInvite tells anyone holding code which organization it joins and as what.
// Errors: invite_not_found (also for an organization that is not active), invite_disabled,
// invite_expired, invite_exhausted.
func (s *Service) PreviewInvite(ctx context.Context, code string) (InvitePreview, error) {
	inv, org, err := s.openInvite(ctx, s.uow, code, false)
	if err != nil {
		return InvitePreview{}, wrap("preview invite", err)
	}
	return InvitePreview{Organization: org.Public(), Role: inv.Role, ExpiresAt: inv.ExpiresAt}, nil
}

// AcceptInvite makes the caller a member with the invite's role and counts one use. A
// caller who is a member already uses nothing, and racing accepts of the last use have one
// winner.
// Errors: invite_not_found, invite_disabled, invite_expired, invite_exhausted,
// user_already_connected.
func (s *Service) AcceptInvite(ctx context.Context, p domain.Principal, code string) (domain.Membership, error) {
	var m domain.Membership
	err := s.do(ctx, func(tx ports.Repos) error {
		// Locks are taken in the order organization, invite, audit chain: the organization's
		// as DeleteOrganization and member changes take it, before the invite's row (which
		// deleting the organization deletes), and the use is counted before join writes the
		// audit record, as UpdateInvite takes them. Any other order deadlocks against one of
		// them on Postgres. A member's accept rolls the use back.
		inv, org, err := s.openInvite(ctx, tx, code, true)
		if err != nil {
			return err
		}
		used, err := tx.Invites().Use(ctx, inv.ID, s.clock.Now())
		if err != nil {
			return err
		}
		if !used {
			// Another accept took the last use (or the invite changed) since we read it.
			if inv, err = tx.Invites().Get(ctx, org.ID, inv.ID); err == nil {
				if err = inv.Usable(s.clock.Now()); err == nil {
					err = domain.ErrInviteExhausted
				}
			}
			return err
		}
		e := event{action: domain.AuditInviteAccepted, targetType: "invite", targetID: inv.ID, changes: []string{"uses"}}
		m, err = s.join(ctx, tx, &p, org.ID, p.User.ID, inv.Role, e)
		return err
	})
	return m, wrap("accept invite", err)
}

// openInvite finds the usable invite of code and its active organization, locking the
// organization's row when lock is set.
func (s *Service) openInvite(ctx context.Context, r ports.Repos, code string, lock bool) (domain.Invite, domain.Organization, error) {
	if !domain.WellFormedSecret(code) {
		return domain.Invite{}, domain.Organization{}, domain.ErrInviteNotFound
	}
	inv, err := r.Invites().ByCodeHash(ctx, domain.HashSecret(code))
	if err != nil {
		return inv, domain.Organization{}, err
	}
	if !domain.SecretMatches(code, inv.CodeHash) {
		return inv, domain.Organization{}, domain.ErrInviteNotFound
	}
	get := r.Organizations().Get
	if lock {
		get = r.Organizations().GetForUpdate
	}
	org, err := get(ctx, inv.OrganizationID)
	if errors.Is(err, domain.ErrOrganizationNotFound) || (err == nil && org.Status != domain.StatusActive) {
		return inv, org, domain.ErrInviteNotFound
	}
	if err != nil {
		return inv, org, err
	}
	return inv, org, inv.Usable(s.clock.Now())
}

// randomSecret is 32 bytes of crypto/rand in unpadded base64url: the default invite code
// and invitation token.
func randomSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
