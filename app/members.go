package app

import (
	"context"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// ConnectUser adds an existing user, found by verified email, to an organization with the
// organization's default role, at most 50 times an hour per caller and
// organization. Checks run in the order authorization, validation, rate limit, so an
// outsider learns nothing and a refused call spends no quota.
// Errors: organization_not_found, forbidden, validation_error, rate_limited,
// service_unavailable (limiter down), user_not_found, user_already_connected.
func (s *Service) ConnectUser(ctx context.Context, p domain.Principal, orgID int64, email string) (domain.Membership, domain.Quota, error) {
	if _, _, err := s.Authorize(ctx, p, orgID, domain.ActionMemberConnect); err != nil {
		return domain.Membership{}, domain.Quota{}, err
	}
	email, err := domain.ParseEmail("email", email)
	if err != nil {
		return domain.Membership{}, domain.Quota{}, err
	}
	quota, err := s.limit(ctx, "connect-user", orgID, p, domain.LimitConnectUser)
	if err != nil {
		return domain.Membership{}, quota, err
	}
	var m domain.Membership
	err = s.do(ctx, func(tx ports.Repos) error {
		org, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionMemberConnect, false)
		if err != nil {
			return err
		}
		u, err := tx.Users().GetByVerifiedEmail(ctx, email)
		if err != nil {
			return err
		}
		m = domain.Membership{OrganizationID: org.ID, UserID: u.ID, Role: org.Settings.DefaultRole, CreatedAt: s.clock.Now()}
		if m, err = tx.Memberships().Create(ctx, m); err != nil {
			return err
		}
		if err := tx.Users().SetCurrentOrganizationIfUnset(ctx, u.ID, org.ID); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &org.ID, action: domain.AuditMemberConnected, targetType: "user", targetID: u.ID, changes: []string{"role"}})
	})
	return m, quota, wrap("connect user", err)
}

// Me returns the caller with the ids of their organizations.
func (s *Service) Me(ctx context.Context, p domain.Principal) (domain.Me, error) {
	u, err := s.uow.Users().Get(ctx, p.User.ID)
	if err != nil {
		return domain.Me{}, wrap("me", err)
	}
	ids, err := s.uow.Memberships().OrganizationIDs(ctx, u.ID)
	return domain.Me{User: u, OrganizationIDs: ids, Superadmin: p.Superadmin}, wrap("me", err)
}

// SwitchOrganization makes orgID the caller's current organization.
// Errors: organization_not_found, forbidden (not a member; superadmins may switch anywhere).
func (s *Service) SwitchOrganization(ctx context.Context, p domain.Principal, orgID int64) (domain.Me, error) {
	err := s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionOrgRead, false); err != nil {
			return err
		}
		if err := tx.Users().SetCurrentOrganization(ctx, p.User.ID, orgID); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditOrganizationSwitched, targetType: "user",
			targetID: p.User.ID, changes: []string{"current_organization_id"}})
	})
	if err != nil {
		return domain.Me{}, wrap("switch organization", err)
	}
	return s.Me(ctx, p)
}

// CurrentOrganization resolves the organization a request acts in: the explicit id (from
// X-Organization-ID), else the caller's current organization. The caller must be a member
// (or a superadmin, whose role is then empty).
// Errors: validation_error (no organization to act in), organization_not_found, forbidden.
func (s *Service) CurrentOrganization(ctx context.Context, p domain.Principal, orgID *int64) (domain.Organization, domain.Role, error) {
	if orgID == nil {
		orgID = p.User.CurrentOrganizationID
	}
	if orgID == nil {
		return domain.Organization{}, "", domain.InvalidField("X-Organization-ID", "no organization selected: send X-Organization-ID or switch organization first")
	}
	org, role, err := s.authorize(ctx, s.uow, p, *orgID, domain.ActionOrgRead, false)
	return org, role, wrap("current organization", err)
}

// SetSuperadmin grants or revokes the platform superadmin role of the user whose verified
// email is email (`orgkit superadmin grant|revoke`). The user must have signed in once.
// Errors: validation_error, user_not_found.
func (s *Service) SetSuperadmin(ctx context.Context, email string, on bool) (domain.User, error) {
	email, err := domain.ParseEmail("email", email)
	if err != nil {
		return domain.User{}, err
	}
	var u domain.User
	err = s.do(ctx, func(tx ports.Repos) error {
		var err error
		if u, err = tx.Users().GetByVerifiedEmail(ctx, email); err != nil {
			return err
		}
		if err = tx.Users().SetSuperadmin(ctx, u.ID, on); err != nil {
			return err
		}
		u.IsSuperadmin = on
		action := domain.AuditSuperadminRevoked
		if on {
			action = domain.AuditSuperadminGranted
		}
		// A platform record (no organization), with no actor: the operator ran the CLI.
		return s.record(ctx, tx, nil, event{action: action, targetType: "user", targetID: u.ID, changes: []string{"is_superadmin"}})
	})
	return u, wrap("set superadmin", err)
}
