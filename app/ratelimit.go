package app

import (
	"context"
	"fmt"

	"github.com/orgkit/orgkit/domain"
)

// limit counts one event of the caller on the organization. It runs before the transaction
// (no network inside one) and fails closed: when the limiter cannot answer, neither do we.
// The key is per caller, so nobody can spend another user's quota.
// Errors: rate_limited (with the quota), service_unavailable.
func (s *Service) limit(ctx context.Context, name string, orgID int64, p domain.Principal, l domain.Limit) (domain.Quota, error) {
	return s.allow(ctx, fmt.Sprintf("%s:%d:%d", name, orgID, p.User.ID), l)
}

// allow counts one event under key, failing closed like limit.
// Errors: rate_limited (with the quota), service_unavailable.
func (s *Service) allow(ctx context.Context, key string, l domain.Limit) (domain.Quota, error) {
	q, err := s.limiter.Allow(ctx, key, l)
	if err != nil {
		return q, domain.Unavailable("rate limiter unavailable, try again later", err)
	}
	if !q.Allowed {
		return q, domain.RateLimited(q)
	}
	return q, nil
}
