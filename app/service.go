// Package app holds orgkit's use cases: one method per operation, each deciding
// authorization through the domain policy and running its writes in one transaction.
package app

// Test doubles of the ports live in a _test.go file: they exist only in test builds, so no
// production package (ports included) imports gomock.
//go:generate go tool mockgen -destination=mocks_test.go -package=app_test github.com/orgkit/orgkit/ports OrganizationRepo,UserRepo,MembershipRepo,AuditRepo,APIKeyRepo,Repos,UnitOfWork,Sealer,RateLimiter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Config is the app's share of the service configuration.
type Config struct {
	// SuperadminEmails are platform superadmins by configuration (ORGKIT_SUPERADMIN_EMAILS).
	SuperadminEmails []string
}

// Deps are the ports the Service drives.
type Deps struct {
	Store   ports.UnitOfWork  // required
	Limiter ports.RateLimiter // required: the seeds' limits are part of the contract
	Sealer  ports.Sealer      // nil: the vault answers vault_unavailable
	Clock   ports.Clock       // nil: the system clock
	Logger  *slog.Logger      // nil: slog.Default(); for what a caller is not told (e.g. email conflicts)
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	uow         ports.UnitOfWork
	limiter     ports.RateLimiter
	sealer      ports.Sealer
	clock       ports.Clock
	log         *slog.Logger
	superadmins map[string]bool
}

// New builds a Service; it panics when a required port is missing, a wiring mistake.
func New(d Deps, cfg Config) *Service {
	if d.Store == nil || d.Limiter == nil {
		panic("app.New: Store and Limiter are required")
	}
	if d.Clock == nil {
		d.Clock = ports.SystemClock{}
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Service{uow: d.Store, limiter: d.Limiter, sealer: d.Sealer, clock: d.Clock, log: d.Logger, superadmins: map[string]bool{}}
	for _, e := range cfg.SuperadminEmails {
		if e = domain.NormalizeEmail(e); e != "" {
			s.superadmins[e] = true
		}
	}
	return s
}

// Ready reports whether the service can serve requests (its database answers).
func (s *Service) Ready(ctx context.Context) error { return s.uow.Ping(ctx) }

// Authorize reports whether p may do action on the organization orgID, or, with orgID 0, a
// platform-wide action (such as creating an organization). It returns the organization and
// p's role there (empty for a superadmin who is not a member). Adapters call it to learn
// whether to tell a caller about bad input (an outsider is told forbidden, never what was
// wrong with the request), and hosts guard their own routes with it.
// Errors: organization_not_found, forbidden.
func (s *Service) Authorize(ctx context.Context, p domain.Principal, orgID int64, a domain.Action) (domain.Organization, domain.Role, error) {
	if orgID == 0 {
		if !p.Can(a, "") {
			return domain.Organization{}, "", domain.ErrForbidden
		}
		return domain.Organization{}, "", nil
	}
	org, role, err := authorize(ctx, s.uow, p, orgID, a, false)
	return org, role, wrap("authorize", err)
}

// authorize loads the organization and the principal's role in it and checks the policy.
// A missing organization is organization_not_found before any permission check (seed 000).
func authorize(ctx context.Context, r ports.Repos, p domain.Principal, orgID int64, a domain.Action, lock bool) (domain.Organization, domain.Role, error) {
	get := r.Organizations().Get
	if lock {
		get = r.Organizations().GetForUpdate
	}
	org, err := get(ctx, orgID)
	if err != nil {
		return org, "", err
	}
	role, err := check(ctx, r, p, org, a)
	return org, role, err
}

// check reads the principal's role in a loaded organization and applies the policy.
func check(ctx context.Context, r ports.Repos, p domain.Principal, org domain.Organization, a domain.Action) (domain.Role, error) {
	role, err := r.Memberships().Role(ctx, org.ID, p.User.ID)
	if err != nil {
		return "", err
	}
	if !p.Can(a, role) {
		return role, domain.ErrForbidden
	}
	return role, nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
