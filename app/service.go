// Package app holds orgkit's use cases: one method per operation, each deciding
// authorization through the domain policy and running its writes in one transaction.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Config is the app's share of the service configuration.
type Config struct {
	// SuperadminEmails are platform superadmins by configuration (ORGKIT_SUPERADMIN_EMAILS).
	SuperadminEmails []string
	// Policy is the table of who may do what; the zero value is domain.DefaultPolicy().
	Policy      domain.Policy
	Hooks       Hooks
	Domains     DomainsConfig
	Resolve     ResolveConfig
	Invitations InvitationsConfig
	// PublicURL is the absolute base URL where the API's public routes are reached: uploaded
	// logos' and icons' URLs start with it; empty: DefaultPublicURL.
	PublicURL string
	// AccessCacheTTL bounds how long callers, their roles and organizations are served from
	// memory when an invalidation from another replica is lost; 0: DefaultAccessCacheTTL;
	// negative: not cached.
	AccessCacheTTL time.Duration
	// PersonalOrganizations gives a user who signs in belonging to no organization one of
	// their own, as its owner, once (ORGKIT_PERSONAL_ORGANIZATIONS; see SignIn).
	PersonalOrganizations bool
	Webhooks              WebhooksConfig
}

// WebhooksConfig is how webhook endpoints are accepted.
type WebhooksConfig struct {
	// AllowPrivate admits plain http and private, loopback and link-local targets
	// (ORGKIT_WEBHOOK_ALLOW_PRIVATE; serve --dev and tests). The sender enforces the same
	// rule again after DNS resolution.
	AllowPrivate bool
}

// InvitationsConfig is how email invitations are made and linked.
type InvitationsConfig struct {
	// URL is the link template mailed to invitees, {token} replaced by the invitation's
	// token; empty: DefaultInvitationURL.
	URL string
	// TTL is how long an invitation's token works; 0: 7 days.
	TTL time.Duration
}

// DefaultInvitationURL is the invitation link when none is configured: the API's own accept
// route, which a frontend replaces with its page.
const DefaultInvitationURL = "http://127.0.0.1:8080/v1/invitations/{token}"

func (c InvitationsConfig) withDefaults() InvitationsConfig {
	if c.URL == "" {
		c.URL = DefaultInvitationURL
	}
	if c.TTL <= 0 {
		c.TTL = domain.DefaultInvitationTTL
	}
	return c
}

// DomainsConfig is how custom domains are accepted and proven.
type DomainsConfig struct {
	// Types are the accepted domain_type values; empty: domain.DefaultDomainTypes.
	Types []string
	// PlatformDomains are the platform's own base domains (folded): never a custom domain,
	// and their one-label subdomains resolve as slugs.
	PlatformDomains []string
	// VerificationPrefix names the TXT host, <prefix>.<domain>; empty: "_orgkit-verification".
	VerificationPrefix string
	// Schedule is when domains are checked again; zero fields take DefaultDomainSchedule's.
	Schedule domain.DomainSchedule
}

// ResolveConfig is how long resolve answers are cached.
type ResolveConfig struct {
	TTL         time.Duration // an organization found; 0: 5 minutes
	NegativeTTL time.Duration // nothing found; 0: 30 seconds
	// RedeleteAfter is when an invalidation deletes its keys a second time (see invalidate);
	// 0: 1 second; negative: never (tests of a single process).
	RedeleteAfter time.Duration
}

// Hooks let a host react to changes. Both are optional.
type Hooks struct {
	// OrganizationDeleting runs inside the transaction that deletes an organization, after
	// the organization is locked and before its rows go: a host deletes its own rows of the
	// organization here. An error aborts the deletion.
	OrganizationDeleting func(ctx context.Context, tx ports.Repos, orgID int64) error
	// AfterCommit receives every audited change once, after its transaction committed, in
	// the order they were made. It is not called for changes made through a Service whose
	// store runs inside a caller's transaction (see WithStore): the caller commits those.
	AfterCommit func(ctx context.Context, r domain.AuditRecord)
}

// Deps are the ports the Service drives.
type Deps struct {
	Store   ports.UnitOfWork   // required
	Limiter ports.RateLimiter  // required: the documented limits are part of the contract
	Sealer  ports.Sealer       // nil: the vault answers vault_unavailable
	Clock   ports.Clock        // nil: the system clock
	Logger  *slog.Logger       // nil: slog.Default(); for what a caller is not told (e.g. email conflicts)
	DNS     ports.TXTResolver  // nil: domain checks fail with resolver_error
	Cache   ports.ResolveCache // nil: resolve is not cached
	// NewToken makes domain verification tokens; nil: random UUIDs (crypto/rand).
	NewToken func() string
	// NewSecret makes invite codes and invitation tokens, domain.SecretLen base64url
	// characters; nil: 32 bytes of crypto/rand.
	NewSecret func() string
	// Mailer sends what the outbox holds (invitation mail); nil: mail is dropped with a
	// warning.
	Mailer ports.Mailer
	// Bus carries access cache invalidations to the other replicas (FollowInvalidations);
	// nil: they learn of changes within Config.AccessCacheTTL.
	Bus ports.InvalidationBus
	// Blobs keeps uploaded logos and icons; nil: uploads answer service_unavailable.
	Blobs ports.BlobStore
	// Webhooks sends events to webhook endpoints; nil: deliveries wait, pending, until a
	// Service with a sender runs DeliverWebhooks.
	Webhooks ports.WebhookSender
	// Render shows changed resources as the API does, for the data of events; nil: an
	// event's data is only {"id": …}.
	Render ports.ResourceRenderer
	// Metrics counts resolve cache use, DNS checks, rate-limit decisions, mail sends and
	// webhook deliveries; nil: ports.NopMetrics.
	Metrics ports.Metrics
}

// Service runs the use cases. It is safe for concurrent use.
type Service struct {
	uow         ports.UnitOfWork
	limiter     ports.RateLimiter
	sealer      ports.Sealer
	clock       ports.Clock
	log         *slog.Logger
	superadmins map[string]bool
	policy      domain.Policy
	hooks       Hooks
	outerTx     bool // the store runs inside a caller's transaction: no AfterCommit
	dns         ports.TXTResolver
	newToken    func() string
	domains     DomainsConfig
	resolver    *resolver
	newSecret   func() string
	mailer      ports.Mailer
	invitations InvitationsConfig
	outboxReady chan struct{} // signalled after a commit that added outbox items
	access      *accessCache  // nil: not cached
	personal    bool          // Config.PersonalOrganizations
	images      images
	sender      ports.WebhookSender
	render      ports.ResourceRenderer
	webhooks    WebhooksConfig
	webhookWake chan struct{} // signalled after a commit that raised events
	metrics     ports.Metrics
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
	if cfg.Policy.IsZero() {
		cfg.Policy = domain.DefaultPolicy()
	}
	if d.NewToken == nil {
		d.NewToken = randomUUID
	}
	if d.NewSecret == nil {
		d.NewSecret = randomSecret
	}
	if d.Metrics == nil {
		d.Metrics = ports.NopMetrics{}
	}
	s := &Service{uow: d.Store, limiter: d.Limiter, sealer: d.Sealer, clock: d.Clock, log: d.Logger,
		superadmins: map[string]bool{}, policy: cfg.Policy, hooks: cfg.Hooks,
		dns: d.DNS, newToken: d.NewToken, domains: cfg.Domains.withDefaults(),
		newSecret: d.NewSecret, mailer: d.Mailer, invitations: cfg.Invitations.withDefaults(), outboxReady: make(chan struct{}, 1)}
	s.personal = cfg.PersonalOrganizations
	s.sender, s.render, s.webhooks, s.webhookWake = d.Webhooks, d.Render, cfg.Webhooks, make(chan struct{}, 1)
	s.metrics = d.Metrics
	s.resolver = newResolver(d.Cache, cfg.Resolve, d.Logger, d.Metrics)
	s.images = newImages(d.Blobs, cfg.PublicURL)
	if cfg.AccessCacheTTL == 0 {
		cfg.AccessCacheTTL = DefaultAccessCacheTTL
	}
	s.access = newAccessCache(cfg.AccessCacheTTL, d.Clock, d.Bus, d.Logger)
	for _, e := range cfg.SuperadminEmails {
		if e = domain.NormalizeEmail(e); e != "" {
			s.superadmins[e] = true
		}
	}
	return s
}

// WithStore returns the same use cases on another store, such as one bound to a caller's
// own transaction: everything they write commits or rolls back with it. AfterCommit is not
// called for those changes, since the caller, not orgkit, commits them.
func (s *Service) WithStore(uow ports.UnitOfWork) *Service {
	c := *s
	c.uow, c.outerTx = uow, true // reads in the caller's transaction skip the access cache
	return &c
}

// Can reports whether p, holding role in an organization ("" when not a member), may do
// action there under the service's policy (orgkit's actions and the host's).
func (s *Service) Can(p domain.Principal, a domain.Action, role domain.Role) bool {
	return s.policy.Allows(p, a, role)
}

// do runs fn in one transaction and, once it committed, drops from the access cache what
// its audit records name and hands them to Hooks.AfterCommit. It is the only way use cases
// open a transaction.
func (s *Service) do(ctx context.Context, fn func(tx ports.Repos) error) error {
	var written []domain.AuditRecord
	err := s.uow.Do(ctx, func(tx ports.Repos) error {
		written = written[:0] // a store may retry fn
		return fn(recordingRepos{Repos: tx, written: &written})
	})
	// Forgotten on failure too: a commit whose answer was lost may still have committed,
	// and forgetting what did not change costs a reload.
	s.access.forget(ctx, stalenessOf(written))
	if err == nil && len(written) > 0 && !s.outerTx {
		s.webhooksAdded()
		if s.hooks.AfterCommit != nil {
			for _, r := range written {
				s.hooks.AfterCommit(ctx, r)
			}
		}
	}
	return err
}

// recordingRepos notes every audit record appended through it.
type recordingRepos struct {
	ports.Repos
	written *[]domain.AuditRecord
}

// Unwrap returns the store's own transaction, for adapters that must reach it (gormstore.TxDB).
func (r recordingRepos) Unwrap() ports.Repos { return r.Repos }

func (r recordingRepos) Audit() ports.AuditRepo {
	return recordingAudit{AuditRepo: r.Repos.Audit(), written: r.written}
}

type recordingAudit struct {
	ports.AuditRepo
	written *[]domain.AuditRecord
}

func (a recordingAudit) Append(ctx context.Context, r domain.AuditRecord) (domain.AuditRecord, error) {
	r, err := a.AuditRepo.Append(ctx, r)
	if err == nil {
		*a.written = append(*a.written, r)
	}
	return r, err
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
		if !s.Can(p, a, "") {
			return domain.Organization{}, "", domain.ErrForbidden
		}
		return domain.Organization{}, "", nil
	}
	org, role, err := s.authorizeRead(ctx, p, orgID, a)
	return org, role, wrap("authorize", err)
}

// authorize loads the organization and the principal's role in it, in r (a transaction),
// and checks the policy. A missing organization is organization_not_found before any
// permission check, whoever asks.
func (s *Service) authorize(ctx context.Context, r ports.Repos, p domain.Principal, orgID int64, a domain.Action, lock bool) (domain.Organization, domain.Role, error) {
	get := r.Organizations().Get
	if lock {
		get = r.Organizations().GetForUpdate
	}
	org, err := get(ctx, orgID)
	if err != nil {
		return org, "", err
	}
	role, err := s.check(ctx, r, p, org, a)
	return org, role, err
}

// authorizeRead is authorize for reads outside a transaction: from the access cache when it
// is warm, else in one query (the organization and the caller's role together).
func (s *Service) authorizeRead(ctx context.Context, p domain.Principal, orgID int64, a domain.Action) (domain.Organization, domain.Role, error) {
	c := s.cached()
	if org, ok := c.org(orgID); ok {
		role, err := s.roleRead(ctx, p, orgID)
		if err != nil {
			return org, "", err
		}
		return org, role, s.permit(p, org, role, a)
	}
	gen := c.generation()
	org, role, err := s.uow.Organizations().GetWithRole(ctx, orgID, p.User.ID)
	if err != nil {
		return org, "", err
	}
	if role != "" || p.Superadmin { // outsiders probing ids fill no entries
		c.putOrg(org, gen)
	}
	c.putRole(p.User.ID, orgID, role, gen)
	return org, role, s.permit(p, org, role, a)
}

// roleRead is the caller's role in orgID outside a transaction, from the access cache when
// it is warm.
func (s *Service) roleRead(ctx context.Context, p domain.Principal, orgID int64) (domain.Role, error) {
	c := s.cached()
	if role, ok := c.role(p.User.ID, orgID); ok {
		return role, nil
	}
	gen := c.generation()
	role, err := s.uow.Memberships().Role(ctx, orgID, p.User.ID)
	if err == nil {
		c.putRole(p.User.ID, orgID, role, gen)
	}
	return role, err
}

// cached is the access cache for reads: none inside a caller's transaction, whose reads
// must see its own writes.
func (s *Service) cached() *accessCache {
	if s.outerTx {
		return nil
	}
	return s.access
}

// check reads the principal's role in a loaded organization and applies the policy.
func (s *Service) check(ctx context.Context, r ports.Repos, p domain.Principal, org domain.Organization, a domain.Action) (domain.Role, error) {
	role, err := r.Memberships().Role(ctx, org.ID, p.User.ID)
	if err != nil {
		return "", err
	}
	return role, s.permit(p, org, role, a)
}

// permit applies the policy to p holding role in org, then the organization's status:
// outsiders learn only that they may not, members of an organization that is not active
// learn why.
func (s *Service) permit(p domain.Principal, org domain.Organization, role domain.Role, a domain.Action) error {
	if !s.Can(p, a, role) {
		return domain.ErrForbidden
	}
	return org.Admits(p)
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
