package app

import (
	"context"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// ConnectUser adds an existing user, found by verified email, to an organization with role
// (empty: the organization's default role), at most 50 times an hour per caller and
// organization. Checks run in the order authorization, validation, rate limit, so an
// outsider learns nothing and a refused call spends no quota.
// Errors: organization_not_found, forbidden (also a role above the caller's own),
// validation_error, rate_limited, service_unavailable (limiter down), user_not_found,
// user_already_connected.
func (s *Service) ConnectUser(ctx context.Context, p domain.Principal, orgID int64, email string, role domain.Role) (domain.Membership, domain.Quota, error) {
	if _, _, err := s.Authorize(ctx, p, orgID, domain.ActionMemberConnect); err != nil {
		return domain.Membership{}, domain.Quota{}, err
	}
	email, err := domain.ParseEmail("email", email)
	if err == nil && role != "" {
		err = domain.ValidateRole("role", role)
	}
	if err != nil {
		return domain.Membership{}, domain.Quota{}, err
	}
	quota, err := s.limit(ctx, ports.LimitConnectUser, orgID, p, domain.LimitConnectUser)
	if err != nil {
		return domain.Membership{}, quota, err
	}
	var m domain.Membership
	err = s.do(ctx, func(tx ports.Repos) error {
		find := func() (int64, error) { u, err := tx.Users().GetByVerifiedEmail(ctx, email); return u.ID, err }
		m, err = s.addMember(ctx, tx, p, orgID, find, role, domain.ActionMemberConnect, domain.AuditMemberConnected)
		return err
	})
	return m, quota, wrap("connect user", err)
}

// ListMembers returns one page of an organization's members to any member.
// Errors: organization_not_found, forbidden, validation_error.
func (s *Service) ListMembers(ctx context.Context, p domain.Principal, orgID int64, q domain.MemberQuery) (domain.Page[domain.Member], error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionMemberRead); err != nil {
		return domain.Page[domain.Member]{}, err
	}
	q, err := q.Normalize()
	if err != nil {
		return domain.Page[domain.Member]{}, err
	}
	page, err := s.uow.Memberships().List(ctx, orgID, q)
	return page, wrap("list members", err)
}

// AddMember adds the user userID with role (empty: the organization's default role).
// Errors: organization_not_found, forbidden (not a manager, or a role above the caller's;
// only owners give owner), validation_error, user_not_found, user_already_connected.
func (s *Service) AddMember(ctx context.Context, p domain.Principal, orgID, userID int64, role domain.Role) (domain.Member, error) {
	var m domain.Member
	err := s.do(ctx, func(tx ports.Repos) error {
		find := func() (int64, error) { _, err := tx.Users().Get(ctx, userID); return userID, err }
		if _, err := s.addMember(ctx, tx, p, orgID, find, role, domain.ActionMemberManage, domain.AuditMemberAdded); err != nil {
			return err
		}
		var err error
		m, err = tx.Memberships().Get(ctx, orgID, userID)
		return err
	})
	return m, wrap("add member", err)
}

// addMember authorizes p for action, then finds the user to add (so an outsider learns
// nothing about which users exist), checks the role p gives, and adds the membership.
func (s *Service) addMember(ctx context.Context, tx ports.Repos, p domain.Principal, orgID int64, find func() (int64, error), role domain.Role, action domain.Action, audit string) (domain.Membership, error) {
	org, actor, err := s.authorize(ctx, tx, p, orgID, action, false)
	if err != nil {
		return domain.Membership{}, err
	}
	userID, err := find()
	if err != nil {
		return domain.Membership{}, err
	}
	if role == "" {
		role = org.Settings.DefaultRole
	}
	if err := domain.ValidateRole("role", role); err != nil {
		return domain.Membership{}, err
	}
	if err := domain.CheckRoleChange(p, actor, "", role); err != nil {
		return domain.Membership{}, err
	}
	return s.join(ctx, tx, &p, org.ID, userID, role, event{action: audit, targetType: "user", targetID: userID, changes: []string{"role"}})
}

// join makes userID a member with role, makes the organization their current one when they
// have none, and audits e (its orgID is set here). Every way in ends here.
// Errors: user_already_connected.
func (s *Service) join(ctx context.Context, tx ports.Repos, actor *domain.Principal, orgID, userID int64, role domain.Role, e event) (domain.Membership, error) {
	m, err := tx.Memberships().Create(ctx, domain.Membership{OrganizationID: orgID, UserID: userID, Role: role, CreatedAt: s.clock.Now()})
	if err != nil {
		return m, err
	}
	if err := tx.Users().SetCurrentOrganizationIfUnset(ctx, userID, orgID); err != nil {
		return m, err
	}
	e.orgID = &orgID
	return m, s.record(ctx, tx, actor, e)
}

// UpdateMemberRole changes a member's role.
// Errors: organization_not_found, forbidden, validation_error, member_not_found, last_owner.
func (s *Service) UpdateMemberRole(ctx context.Context, p domain.Principal, orgID, userID int64, role domain.Role) (domain.Member, error) {
	var m domain.Member
	err := s.changeMember(ctx, p, orgID, userID, role, func(tx ports.Repos) error {
		var err error
		m, err = tx.Memberships().Get(ctx, orgID, userID)
		return err
	})
	return m, wrap("update member role", err)
}

// RemoveMember removes a member; their current organization is cleared when it was this one.
// Errors: organization_not_found, forbidden, member_not_found, last_owner.
func (s *Service) RemoveMember(ctx context.Context, p domain.Principal, orgID, userID int64) error {
	return wrap("remove member", s.changeMember(ctx, p, orgID, userID, "", nil))
}

// LeaveOrganization removes the caller from an organization; any member may leave, except
// its last owner.
// Errors: organization_not_found, forbidden (not a member), member_not_found (a superadmin
// who is not a member), last_owner.
func (s *Service) LeaveOrganization(ctx context.Context, p domain.Principal, orgID int64) error {
	return wrap("leave organization", s.changeMember(ctx, p, orgID, p.User.ID, "", nil))
}

// changeMember moves userID to role `to` ("" removes them) in one transaction that locks
// the organization first: changes to one organization's members queue behind each other,
// so two racing demotions of its last two owners cannot both see another owner left.
// then runs in the transaction after the change.
func (s *Service) changeMember(ctx context.Context, p domain.Principal, orgID, userID int64, to domain.Role, then func(tx ports.Repos) error) error {
	self := to == "" && userID == p.User.ID
	action := domain.ActionMemberManage
	if self {
		action = domain.ActionOrgRead // leaving needs no right but membership
	}
	return s.do(ctx, func(tx ports.Repos) error {
		_, actor, err := s.authorize(ctx, tx, p, orgID, action, true)
		if err != nil {
			return err
		}
		if to != "" {
			if err := domain.ValidateRole("role", to); err != nil {
				return err
			}
		}
		cur, err := tx.Memberships().Get(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if !self {
			if err := domain.CheckRoleChange(p, actor, cur.Role, to); err != nil {
				return err
			}
		}
		e, err := s.applyMemberChange(ctx, tx, orgID, userID, cur.Role, to, self)
		if to == "" {
			e.data = cur // gone once removed
		}
		if err != nil {
			return err
		}
		if err := s.record(ctx, tx, &p, e); err != nil {
			return err
		}
		if then != nil {
			return then(tx)
		}
		return nil
	})
}

// applyMemberChange writes the change and refuses one that leaves the organization without
// an owner.
func (s *Service) applyMemberChange(ctx context.Context, tx ports.Repos, orgID, userID int64, from, to domain.Role, self bool) (event, error) {
	e := event{orgID: &orgID, targetType: "user", targetID: userID}
	if to == "" {
		if err := tx.Memberships().Delete(ctx, orgID, userID); err != nil {
			return e, err
		}
		if err := tx.Users().ClearCurrentOrganization(ctx, userID, orgID); err != nil {
			return e, err
		}
		e.action = domain.AuditMemberRemoved
		if self {
			e.action = domain.AuditMemberLeft
		}
	} else {
		if err := tx.Memberships().SetRole(ctx, orgID, userID, to); err != nil {
			return e, err
		}
		e.action, e.changes = domain.AuditMemberRoleChanged, []string{"role"}
	}
	if from == domain.RoleOwner && to != domain.RoleOwner {
		owners, err := tx.Memberships().CountOwners(ctx, orgID)
		if err != nil {
			return e, err
		}
		if owners == 0 {
			return e, domain.ErrLastOwner
		}
	}
	return e, nil
}

// Me returns the caller with the ids of their organizations.
func (s *Service) Me(ctx context.Context, p domain.Principal) (domain.Me, error) {
	c := s.cached()
	gen := c.generation()
	u, ok := c.userByID(p.User.ID)
	if !ok {
		var err error
		if u, err = s.uow.Users().Get(ctx, p.User.ID); err != nil {
			return domain.Me{}, wrap("me", err)
		}
		c.putUser(u, gen)
	}
	ids, ok := c.orgIDs(u.ID)
	if !ok {
		var err error
		if ids, err = s.uow.Memberships().OrganizationIDs(ctx, u.ID); err != nil {
			return domain.Me{}, wrap("me", err)
		}
		c.putOrgIDs(u.ID, ids, gen)
	}
	return domain.Me{User: u, OrganizationIDs: ids, Superadmin: p.Superadmin}, nil
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
	org, role, err := s.authorizeRead(ctx, p, *orgID, domain.ActionOrgRead)
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
