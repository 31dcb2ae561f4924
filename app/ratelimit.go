package app

import (
	"context"
	"fmt"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// limit counts one event of the caller on the organization. It runs before the transaction
// (no network inside one) and fails closed: when the limiter cannot answer, neither do we.
// The key is per caller, so nobody can spend another user's quota.
// Errors: rate_limited (with the quota), service_unavailable.
func (s *Service) limit(ctx context.Context, class string, orgID int64, p domain.Principal, l domain.Limit) (domain.Quota, error) {
	return s.allow(ctx, class, fmt.Sprintf("%s:%d:%d", class, orgID, p.User.ID), l)
}

// allow counts one event under key of the limit's class (one of ports.RateLimitClasses,
// the metrics' label), failing closed like limit.
// Errors: rate_limited (with the quota), service_unavailable.
func (s *Service) allow(ctx context.Context, class, key string, l domain.Limit) (domain.Quota, error) {
	q, err := s.limiter.Allow(ctx, key, l)
	if err != nil {
		s.metrics.RateLimit(class, ports.RateError)
		return q, domain.Unavailable("rate limiter unavailable, try again later", err)
	}
	if !q.Allowed {
		s.metrics.RateLimit(class, ports.RateLimited)
		return q, domain.RateLimited(q)
	}
	s.metrics.RateLimit(class, ports.RateAllowed)
	return q, nil
}
