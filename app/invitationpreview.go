package app

import (
	"context"
	"errors"

	"github.com/orgkit/orgkit/domain"
)

// PreviewInvitation tells the invitee what accepting the email invitation of token does:
// the organization it joins and the role, for an accept page. Like AcceptInvitation it tells
// nothing to anyone but the invited address (verified), and nothing of an invitation that
// can no longer be accepted.
// Errors: invitation_not_found, invitation_email_mismatch, invitation_expired,
// invitation_revoked, invitation_accepted.
func (s *Service) PreviewInvitation(ctx context.Context, p domain.Principal, token string) (InvitePreview, error) {
	if !domain.WellFormedSecret(token) {
		return InvitePreview{}, domain.ErrInvitationNotFound
	}
	inv, err := s.uow.Invitations().ByTokenHash(ctx, domain.HashSecret(token))
	if err != nil {
		return InvitePreview{}, wrap("preview invitation", err)
	}
	if !domain.SecretMatches(token, inv.TokenHash) {
		return InvitePreview{}, domain.ErrInvitationNotFound
	}
	if u := p.User; !u.EmailVerified || u.Email == nil || *u.Email != inv.Email {
		return InvitePreview{}, domain.ErrInvitationMismatch
	}
	if err := inv.Open(s.clock.Now()); err != nil {
		return InvitePreview{}, err
	}
	org, err := s.uow.Organizations().Get(ctx, inv.OrganizationID)
	if errors.Is(err, domain.ErrOrganizationNotFound) || (err == nil && org.Status != domain.StatusActive) {
		return InvitePreview{}, domain.ErrInvitationNotFound
	}
	if err != nil {
		return InvitePreview{}, wrap("preview invitation", err)
	}
	return InvitePreview{Organization: org.Public(), Role: inv.Role, ExpiresAt: &inv.ExpiresAt}, nil
}
