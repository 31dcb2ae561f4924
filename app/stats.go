package app

import (
	"context"

	"github.com/orgkit/orgkit/domain"
)

// Stats counts the platform's organizations by status, users, memberships, verified
// domains and pending invitations, for superadmins.
// Errors: forbidden.
func (s *Service) Stats(ctx context.Context, p domain.Principal) (domain.Stats, error) {
	if !s.Can(p, domain.ActionStatsRead, "") {
		return domain.Stats{}, domain.ErrForbidden
	}
	st, err := s.uow.Stats().Stats(ctx, s.clock.Now())
	return st, wrap("stats", err)
}
