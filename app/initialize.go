package app

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// FirstOrganization is the input of Initialize: the first organization and the email
// address of its owner.
type FirstOrganization struct {
	Name, Slug string
	OwnerEmail string
}

// Initialization is what Initialize made, or what it found instead.
type Initialization struct {
	// Created is false when the database held an organization already: nothing was changed.
	Created bool
	// Organization and Invitation are the first organization and its owner's invitation,
	// when Created.
	Organization domain.Organization
	Invitation   domain.Invitation
	// Link is the invitation's accept link, its token inside (Config.Invitations.URL), when
	// Created. It is told once: only a hash of the token is stored.
	Link string
	// Existing are the oldest organizations found (up to InitListed) and Total how many
	// there are, when not Created.
	Existing []domain.Organization
	Total    int64
}

// InitListed is how many existing organizations Initialize reports when it creates nothing.
const InitListed = 10

// OwnerEmailField names the owner's address in Initialize's validation errors.
const OwnerEmailField = "owner_email"

// Initialize sets up an empty database (`orgkit init`): it creates the first organization
// and an email invitation of ownerEmail as its owner, in one transaction, and audits both
// as an operator's actions (no actor). Whoever accepts the invitation with that verified
// email becomes the owner: an operator's invitation is the one kind that gives owner, since
// nobody is a member yet to give it. The invitation's mail is in the outbox when it returns
// (DeliverOutbox or Kit.Run sends it). When any organization exists, it changes nothing and
// reports them (Created false, no error): running it twice is safe, and racing runs on one
// empty database create once.
// Errors: validation_error (name, slug, owner_email: every bad field at once), slug_taken
// (never on an empty database).
func (s *Service) Initialize(ctx context.Context, in FirstOrganization) (Initialization, error) {
	org, email, err := in.build(s.clock.Now())
	if err != nil {
		return Initialization{}, err
	}
	var out Initialization
	err = s.do(ctx, func(tx ports.Repos) error {
		out = Initialization{}
		if err := tx.Organizations().LockCreates(ctx); err != nil {
			return err
		}
		page, err := tx.Organizations().List(ctx, domain.OrganizationQuery{Page: 1, PageSize: InitListed, Sort: domain.Sort{Field: "created_at"}})
		if err != nil {
			return err
		}
		if page.Total > 0 {
			out.Existing, out.Total = page.Items, page.Total
			return nil
		}
		out.Created = true
		return s.createFirst(ctx, tx, org, email, &out)
	})
	if err != nil {
		return Initialization{}, wrap("initialize", err)
	}
	if out.Created {
		s.invalidate(ctx, slugKey(out.Organization.Slug)) // a negative entry of the slug
		s.outboxAdded()
	}
	return out, nil
}

// Validate reports every bad field of f at once, before anything is opened or written.
// Errors: validation_error (name, slug, owner_email).
func (f FirstOrganization) Validate() error {
	_, _, err := f.build(time.Time{})
	return err
}

func (f FirstOrganization) build(now time.Time) (domain.Organization, string, error) {
	var v domain.Validation
	org, err := domain.NewOrganization{Name: f.Name, Slug: f.Slug}.Build(now)
	if err != nil && !v.Merge(err) {
		return org, "", err
	}
	email, err := domain.ParseEmail(OwnerEmailField, f.OwnerEmail)
	v.Merge(err)
	return org, email, v.Err()
}

// createFirst writes the first organization, its owner's invitation and its mail, and
// their audit records, in tx.
func (s *Service) createFirst(ctx context.Context, tx ports.Repos, org domain.Organization, email string, out *Initialization) error {
	org, err := tx.Organizations().Create(ctx, org)
	if err != nil {
		return err
	}
	if err := s.record(ctx, tx, nil, event{orgID: &org.ID, action: domain.AuditOrganizationCreated, targetType: "organization", targetID: org.ID}); err != nil {
		return err
	}
	now := s.clock.Now()
	inv := domain.Invitation{OrganizationID: org.ID, Email: email, Role: domain.RoleOwner, CreatedAt: now}
	token := s.issueToken(&inv)
	if inv, err = tx.Invitations().Create(ctx, inv); err != nil {
		return err
	}
	if err := s.mailInvitationFrom(ctx, tx, "An administrator", org, inv, token); err != nil {
		return err
	}
	out.Organization, out.Invitation, out.Link = org, inv, s.invitationLink(token)
	return s.record(ctx, tx, nil, event{orgID: &org.ID, action: domain.AuditInvitationCreated, targetType: "invitation", targetID: inv.ID})
}
