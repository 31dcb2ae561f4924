package app

import (
	"context"
	"strings"

	"github.com/orgkit/orgkit/domain"
)

// Authenticate turns a verified identity into a principal, provisioning the user on first
// sight. Configured superadmin emails count only when the token does not say the email is
// unverified, so an identity provider that lets users claim any address cannot make one.
func (s *Service) Authenticate(ctx context.Context, id domain.Identity) (domain.Principal, error) {
	if id.Subject == "" {
		return domain.Principal{}, domain.ErrUnauthorized
	}
	if id.Email != "" && !domain.ValidEmail(id.Email) {
		id.Email = "" // an unusable email claim is treated as absent rather than failing sign-in
	}
	u, err := s.uow.Users().Provision(ctx, id, s.clock.Now())
	if err != nil {
		return domain.Principal{}, wrap("provision user", err)
	}
	verified := id.EmailVerified == nil || *id.EmailVerified
	byConfig := verified && id.Email != "" && s.superadmins[strings.ToLower(id.Email)]
	return domain.Principal{User: u, Superadmin: u.IsSuperadmin || byConfig}, nil
}
