package app

import (
	"context"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// SuggestedOrganizations are the organizations the caller may join by their email's
// domain (see JoinOrganization): none unless the email is verified and not at a free mail
// provider.
func (s *Service) SuggestedOrganizations(ctx context.Context, p domain.Principal) ([]domain.Organization, error) {
	d := joinDomain(p.User)
	if d == "" {
		return []domain.Organization{}, nil
	}
	orgs, err := s.uow.Organizations().Joinable(ctx, d, p.User.ID)
	return orgs, wrap("suggested organizations", err)
}

// JoinOrganization makes the caller a member with the organization's default role, when
// the organization allows public signup and has verified the domain of the caller's
// verified email.
// Errors: organization_not_found, forbidden (not joinable by this caller),
// user_already_connected.
func (s *Service) JoinOrganization(ctx context.Context, p domain.Principal, orgID int64) (domain.Membership, error) {
	var m domain.Membership
	err := s.do(ctx, func(tx ports.Repos) error {
		org, err := tx.Organizations().Get(ctx, orgID)
		if err != nil {
			return err
		}
		if err := s.joinable(ctx, tx, p, org); err != nil {
			return err
		}
		e := event{action: domain.AuditMemberJoined, targetType: "user", targetID: p.User.ID, changes: []string{"role"}}
		m, err = s.join(ctx, tx, &p, org.ID, p.User.ID, org.Settings.DefaultRole, e)
		return err
	})
	return m, wrap("join organization", err)
}

// joinable refuses a join unless org is active, allows public signup, and has a verified
// domain that is the caller's verified, non-free-mail email domain.
func (s *Service) joinable(ctx context.Context, tx ports.Repos, p domain.Principal, org domain.Organization) error {
	refused := &domain.Error{Code: domain.CodeForbidden, Message: "this organization cannot be joined with your verified email address"}
	d := joinDomain(p.User)
	if d == "" || org.Status != domain.StatusActive || !org.Settings.AllowPublicSignup {
		return refused
	}
	ds, err := tx.Domains().List(ctx, org.ID)
	if err != nil {
		return err
	}
	for _, cd := range ds {
		if cd.Name == d && cd.Status == domain.DomainVerified {
			return nil
		}
	}
	return refused
}

// joinDomain is domain.JoinableDomain in the one form custom domains are stored in (see
// NormalizeDomainName), so an address at "bücher.example" matches the verified
// "xn--bcher-kva.example". The free mail check is repeated on that form: IDNA maps some
// spellings (full-width letters, say) onto a free mail provider's name. "" when the user
// may join by no domain.
func joinDomain(u domain.User) string {
	d := domain.JoinableDomain(u)
	if d == "" {
		return ""
	}
	ascii, err := NormalizeDomainName(d)
	if err != nil || domain.FreeMailDomain(ascii) {
		return ""
	}
	return ascii
}
