package app

import (
	"context"
	"fmt"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// CreateOrganization creates an organization and makes its creator the owner.
// Errors: forbidden (not a superadmin), validation_error, slug_taken.
func (s *Service) CreateOrganization(ctx context.Context, p domain.Principal, in domain.NewOrganization) (domain.Organization, error) {
	if !s.Can(p, domain.ActionOrgCreate, "") {
		return domain.Organization{}, domain.ErrForbidden
	}
	now := s.clock.Now()
	o, err := in.Build(now)
	if err != nil {
		return domain.Organization{}, err
	}
	err = s.do(ctx, func(tx ports.Repos) error {
		var err error
		if o, err = tx.Organizations().Create(ctx, o); err != nil {
			return err
		}
		m := domain.Membership{OrganizationID: o.ID, UserID: p.User.ID, Role: domain.RoleOwner, CreatedAt: now}
		if _, err = tx.Memberships().Create(ctx, m); err != nil {
			return err
		}
		if err = tx.Users().SetCurrentOrganizationIfUnset(ctx, p.User.ID, o.ID); err != nil {
			return err
		}
		o.MembersCount = 1
		return s.record(ctx, tx, &p, event{orgID: &o.ID, action: domain.AuditOrganizationCreated, targetType: "organization", targetID: o.ID})
	})
	if err != nil {
		return domain.Organization{}, wrap("create organization", err)
	}
	s.invalidate(ctx, slugKey(o.Slug)) // a negative entry of the slug
	return o, nil
}

// GetOrganization returns an organization to its members and superadmins.
// Errors: organization_not_found, forbidden.
func (s *Service) GetOrganization(ctx context.Context, p domain.Principal, id int64) (domain.Organization, error) {
	org, _, err := s.authorizeRead(ctx, p, id, domain.ActionOrgRead)
	return org, wrap("get organization", err)
}

// GetOrganizationBySlug is GetOrganization by slug; slugs fold case in ASCII only.
// Errors: validation_error (not text), organization_not_found, forbidden.
func (s *Service) GetOrganizationBySlug(ctx context.Context, p domain.Principal, slug string) (domain.Organization, error) {
	slug, err := domain.NormalizeSlug(slug)
	if err != nil {
		return domain.Organization{}, err
	}
	org, err := s.uow.Organizations().GetBySlug(ctx, slug)
	if err != nil {
		return org, wrap("get organization by slug", err)
	}
	role, err := s.roleRead(ctx, p, org.ID)
	if err == nil {
		err = s.permit(p, org, role, domain.ActionOrgRead)
	}
	return org, wrap("get organization by slug", err)
}

// ListOrganizations lists the caller's active organizations, or all of them for superadmins. Zero
// fields of q take their defaults (page 1, 25 a page, by name).
// Errors: validation_error.
func (s *Service) ListOrganizations(ctx context.Context, p domain.Principal, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
	q, err := q.Normalize()
	if err != nil {
		return domain.Page[domain.Organization]{}, err
	}
	q.MemberID = nil
	if !s.Can(p, domain.ActionListAll, "") {
		// A member sees the organizations that admit them (Organization.Admits): active ones.
		active := domain.StatusActive
		if q.Status != nil && *q.Status != active {
			return domain.Page[domain.Organization]{Page: q.Page, PageSize: q.PageSize, Items: []domain.Organization{}}, nil
		}
		q.MemberID, q.Status = &p.User.ID, &active
	}
	page, err := s.uow.Organizations().List(ctx, q)
	return page, wrap("list organizations", err)
}

// UpdateOrganization applies a partial update. Changing the status is superadmin-only.
// Errors: organization_not_found, forbidden, validation_error.
func (s *Service) UpdateOrganization(ctx context.Context, p domain.Principal, id int64, patch domain.OrganizationPatch) (domain.Organization, error) {
	var out, before domain.Organization
	var stale []string
	err := s.do(ctx, func(tx ports.Repos) error {
		org, role, err := s.authorize(ctx, tx, p, id, domain.ActionOrgUpdate, true)
		before = org
		if err != nil {
			return err
		}
		if patch.TouchesStatus() && !s.Can(p, domain.ActionOrgSetStatus, role) {
			return domain.ErrForbidden
		}
		next, cols, err := patch.Apply(org)
		if err != nil || len(cols) == 0 {
			out = org // an empty patch changes nothing, not even updated_at, and is not audited
			return err
		}
		if err := domain.CheckDefaultRole(p, role, org.Settings, next.Settings); err != nil {
			return err
		}
		next.UpdatedAt = s.clock.Now()
		if out, err = tx.Organizations().Update(ctx, next, cols); err != nil {
			return err
		}
		if stale, err = resolveKeys(ctx, tx, org); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &id, action: domain.AuditOrganizationUpdated, targetType: "organization", targetID: id, changes: domain.AuditedColumns(cols)})
	})
	if err != nil {
		return out, wrap("update organization", err)
	}
	s.invalidate(ctx, stale...)
	// An external logo_url or icon_url (or null) let an uploaded image go.
	s.dropBlobs(ctx, append(droppedKeys(before.LogoBlobKey, out.LogoBlobKey), droppedKeys(before.IconBlobKey, out.IconBlobKey)...)...)
	return out, nil
}

// DeleteOrganization removes an organization and everything that belongs to it. The
// OrganizationDeleting hook runs in the same transaction, after the organization is locked,
// so a host's rows go with it or nothing goes.
// Errors: forbidden (not a superadmin), organization_not_found, and the hook's error.
func (s *Service) DeleteOrganization(ctx context.Context, p domain.Principal, id int64) error {
	if !s.Can(p, domain.ActionOrgDelete, "") {
		return domain.ErrForbidden
	}
	var stale, blobs []string
	err := s.do(ctx, func(tx ports.Repos) error {
		org, err := tx.Organizations().GetForUpdate(ctx, id)
		if err != nil {
			return err
		}
		blobs = append(droppedKeys(org.LogoBlobKey, nil), droppedKeys(org.IconBlobKey, nil)...)
		if stale, err = resolveKeys(ctx, tx, org); err != nil {
			return err
		}
		if h := s.hooks.OrganizationDeleting; h != nil {
			if err := h(ctx, tx, id); err != nil {
				return fmt.Errorf("organization deleting hook: %w", err)
			}
		}
		if err := tx.Organizations().Delete(ctx, id); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &id, action: domain.AuditOrganizationDeleted, targetType: "organization", targetID: id, data: org})
	})
	if err != nil {
		return wrap("delete organization", err)
	}
	s.invalidate(ctx, stale...)
	s.dropBlobs(ctx, blobs...) // its uploaded logo and icon
	return nil
}

// resolveKeys are the resolve cache keys that answer with org: its slug and its domains.
func resolveKeys(ctx context.Context, tx ports.Repos, org domain.Organization) ([]string, error) {
	ds, err := tx.Domains().List(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	keys := []string{slugKey(org.Slug)}
	for _, d := range ds {
		keys = append(keys, domainKey(d.Name))
	}
	return keys, nil
}
