// Package orgkit gives a multi-tenant Go service its organizations: the organization record,
// users and memberships with roles, a per-organization encrypted API-key vault and an audit
// log, over HTTP and as use cases.
//
// It is the one place where orgkit's parts are put together, for host services and for the
// orgkit binary alike:
//
//	k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: orgkit.AuthConfig{JWKSURL: jwks}})
//	if err != nil { … }
//	defer k.Close()
//	if err := k.Migrate(ctx); err != nil { … }
//	k.Register(router) // every /v1 route on the host's Gin router or group
//	router.POST("/v1/appointments/:id/cancel", k.Authenticate(), k.Require("appointment.cancel"), cancel)
package orgkit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/adapters/portal"
	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/adapters/vaultcrypto"
	"github.com/orgkit/orgkit/adapters/webhook"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Config is everything New needs. Only DB and one of Auth's key sources are required.
type Config struct {
	// DB is the host's pool (Postgres or SQLite). orgkit works on a session of its own and
	// never changes the pool's settings or logger; Close does not close it.
	DB *gorm.DB
	// Auth selects the bearer tokens accepted.
	Auth AuthConfig
	// SuperadminEmails are platform superadmins, while the user holds the address verified.
	SuperadminEmails []string
	// VaultKeys is the API-key ring, "id:base64(32 bytes),…": the first seals, all open.
	// Empty: the vault answers 503 vault_unavailable.
	VaultKeys string
	// Redis, when set, holds rate limits shared by every replica; nil: in-process limits.
	Redis redis.UniversalClient
	// RedisKeyPrefix prefixes every Redis key; "orgkit:" when empty.
	RedisKeyPrefix string
	// Logger receives orgkit's logs (its SQL at debug level); slog.Default() when nil.
	Logger *slog.Logger
	// Permissions are the host's own actions and the roles that may do them, such as
	// "appointment.cancel": {"owner", "admin"}. They join orgkit's policy table; superadmins
	// may do everything. Require checks them.
	Permissions map[string][]string
	// Hooks let the host react to changes.
	Hooks Hooks
	// Draining, when set, makes /readyz answer 503 while it reports true (a replica that is
	// shutting down). The orgkit binary sets it; nil: never.
	Draining func() bool
	// PlatformDomains are the platform's own base domains (such as "clinic.example.app"):
	// resolve's ?host= reads <slug>.<base> as a slug, and no organization may add one of them,
	// or a name under one, as a custom domain.
	PlatformDomains []string
	// Domains configures custom domains and their proof by DNS.
	Domains DomainsConfig
	// Resolve configures the public resolve endpoint's cache: in-process by default, Redis
	// (shared by every replica, and invalidated on all of them) when Redis is set.
	Resolve ResolveConfig
	// Mail configures how invitation mail is sent (Run delivers it).
	Mail MailConfig
	// Invitations configures email invitations: their link and lifetime.
	Invitations InvitationsConfig
	// AccessCache configures the in-process cache of callers, their roles and organizations
	// that lets an authenticated read make no query.
	AccessCache AccessCacheConfig
	// PersonalOrganizations gives a user who signs in belonging to no organization one of
	// their own, as its owner, once: named after the token's organization claim, else
	// "<name>'s organization" (ORGKIT_PERSONAL_ORGANIZATIONS).
	PersonalOrganizations bool
	// Blobs keeps uploaded logos and icons (blob.NewFile, blob.Open, or the host's own
	// ports.BlobStore); every replica must share it. Nil: the database (the orgkit_blobs
	// table), so replicas share images with no other infrastructure.
	Blobs ports.BlobStore
	// PublicURL is the absolute http(s) base URL where Register's routes are reached from
	// outside (with the host's prefix, if any): uploaded logos' and icons' URLs start with
	// it. Empty: "http://127.0.0.1:8080".
	PublicURL string
	// Webhooks configures the signed delivery of change events (Run delivers them).
	Webhooks WebhooksConfig
	// Portal configures the admin portal that RegisterPortal mounts.
	Portal PortalConfig
	// Metrics configures the Prometheus metrics MetricsHandler serves.
	Metrics MetricsConfig
	// Tracing turns on OpenTelemetry traces (a provider of the host's); off by default.
	Tracing TracingConfig
}

// WebhooksConfig configures webhook endpoints and their deliveries. Endpoints' signing
// secrets are sealed by VaultKeys: without them, creating an endpoint answers 503
// vault_unavailable.
type WebhooksConfig struct {
	// AllowPrivate admits plain http and private, loopback and link-local targets, checked
	// when an endpoint is saved and again after DNS resolution at every delivery
	// (ORGKIT_WEBHOOK_ALLOW_PRIVATE; for development and tests only).
	AllowPrivate bool
	// Timeout bounds one delivery attempt; 0: 10 seconds; at most app.MaxWebhookTimeout.
	Timeout time.Duration
}

// AccessCacheConfig configures the access cache. A change drops what it touched at once in
// the process that made it and, through Redis pub/sub when Redis is set and Run runs, on
// every replica; TTL bounds how long another replica may still act on what it read before
// (a removed member, a demoted admin, a suspended organization, a revoked superadmin) when
// that message is lost or nobody runs Run.
type AccessCacheConfig struct {
	TTL      time.Duration // 0: 2 seconds
	Disabled bool          // every request reads the database
}

// DomainsConfig configures custom domains. Every field is optional.
type DomainsConfig struct {
	// Types are the accepted domain_type values; empty: "clinic" and "portal".
	Types []string
	// VerificationPrefix names the TXT record that proves a domain, <prefix>.<domain>;
	// empty: "_orgkit-verification".
	VerificationPrefix string
	// Resolvers are the DNS servers (host:port) asked for TXT records; empty: those of
	// /etc/resolv.conf.
	Resolvers []string
	// LookupTimeout bounds one DNS query to one resolver; 0: 2 seconds.
	LookupTimeout time.Duration
	// Recheck is the background re-verification Run does.
	Recheck RecheckConfig
}

// RecheckConfig is when Run checks domains again: pending ones until they expire, verified
// ones periodically, and a verified one lapses only after its record was missing for Grace.
// Zero durations take the defaults.
type RecheckConfig struct {
	Disabled      bool          // Run checks no domain (`orgkit domains recheck` still can)
	PollEvery     time.Duration // how often Run looks for due domains; default 1 minute
	PendingEvery  time.Duration // an unverified domain; default 15 minutes
	PendingExpiry time.Duration // how long an unverified domain is retried; default 7 days
	VerifiedEvery time.Duration // a verified domain; default 24 hours
	FailingEvery  time.Duration // a verified domain whose record went missing; default 1 hour
	Grace         time.Duration // how long that may last before it lapses; default 72 hours
}

// ResolveConfig configures resolve's cache.
type ResolveConfig struct {
	CacheTTL    time.Duration // an organization found; 0: 5 minutes
	NegativeTTL time.Duration // nothing found (so a flood of random names stays off the database); 0: 30 seconds
}

// AuthConfig selects the accepted bearer tokens: HS256 with a shared secret, and/or
// asymmetric tokens whose keys a JWKS endpoint publishes (Clerk, any OIDC issuer).
type AuthConfig struct {
	HS256Secret []byte
	JWKSURL     string
	Issuer      string // `iss` must equal it when set
	Audience    string // `aud` must contain it when set
	EmailClaim  string // claim carrying the email; "email" when empty
	// AssumeEmailVerified treats a token with no email_verified claim as vouching for its
	// email: set it only for issuers that never issue unverified emails.
	AssumeEmailVerified bool
}

// Hooks let a host react to orgkit's changes. Both are optional.
type Hooks struct {
	// OrganizationDeleting runs inside the transaction that deletes an organization, before
	// orgkit's rows go, with that transaction as tx: delete the host's rows of the
	// organization through it. An error aborts the deletion, which then answers that error.
	OrganizationDeleting func(ctx context.Context, tx *gorm.DB, orgID int64) error
	// AfterCommit receives every audited change once, after its transaction committed. It
	// is not called for changes made through WithTx: the host commits those.
	AfterCommit func(ctx context.Context, e Event)
}

// Event is one audited change, as the audit log records it.
type Event struct {
	AuditID        int64
	Action         string // such as "organization.updated" or "member.connected"
	OrganizationID *int64 // nil for platform changes
	ActorUserID    *int64 // nil when an operator ran a command
	ActorEmail     *string
	TargetType     string // "organization", "user", "api_key", …
	TargetID       string
	Changes        []string // names of the changed fields, never their values
	At             time.Time
}

// Kit is orgkit put together: its use cases, HTTP API and middleware on one database.
type Kit struct {
	cfg     Config
	store   *gormstore.Store
	svc     *app.Service
	api     *httpapi.API
	limiter ports.RateLimiter
	checks  map[string]func(context.Context) error
	portal  *portal.Portal
	// gatherer is what MetricsHandler serves; nil: metrics are disabled.
	gatherer prometheus.Gatherer
	tracer   trace.Tracer // Run's rounds; nil: tracing is off
}

// New puts orgkit together on cfg. It opens nothing the host did not configure and starts
// no goroutine, except that a configured JWKS endpoint's keys are fetched and then
// refreshed in the background for as long as ctx lives (pass a context that ends when the
// host stops): the first fetch may wait on a slow endpoint, and tokens are refused until
// keys arrive. With no token key source in cfg.Auth every token is refused (401).
// Errors: a nil DB or one that is neither Postgres nor SQLite, a malformed vault key ring,
// unknown roles in Permissions or a host action that is one of orgkit's own, a platform
// domain that is not a host name, a malformed domain type or verification prefix.
func New(ctx context.Context, cfg Config) (*Kit, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Logger = withContextAttrs(cfg.Logger, cfg.Tracing.Provider != nil)
	if cfg.RedisKeyPrefix == "" {
		cfg.RedisKeyPrefix = "orgkit:"
	}
	store, err := storeOf(cfg)
	if err != nil {
		return nil, fmt.Errorf("orgkit: Config.DB: %w", err)
	}
	if err := checkDomains(cfg, configField); err != nil {
		return nil, fmt.Errorf("orgkit: %w", err)
	}
	policy, err := policyOf(cfg.Permissions)
	if err != nil {
		return nil, fmt.Errorf("orgkit: Config.Permissions: %w", err)
	}
	verifier, err := newVerifier(ctx, cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("orgkit: Config.Auth: %w", err)
	}
	k := &Kit{cfg: cfg, store: store, checks: map[string]func(context.Context) error{}}
	if cfg.Tracing.Provider != nil {
		k.tracer = cfg.Tracing.Provider.Tracer(instrumentationName)
	}
	deps := app.Deps{Store: store, Limiter: ratelimit.NewMemory(nil), Logger: cfg.Logger}
	if cfg.VaultKeys != "" {
		if deps.Sealer, err = vaultcrypto.Parse(cfg.VaultKeys); err != nil {
			return nil, fmt.Errorf("orgkit: Config.VaultKeys: %w", err)
		}
	}
	if cfg.Redis != nil {
		limiter := ratelimit.NewRedis(cfg.Redis, cfg.RedisKeyPrefix+"ratelimit:")
		deps.Limiter, k.checks["redis"] = limiter, limiter.Ping
	}
	k.limiter = deps.Limiter
	deps.DNS, deps.Cache = k.dnsResolver(), k.resolveCache()
	if deps.Mailer, err = mailerOf(cfg); err != nil {
		return nil, fmt.Errorf("orgkit: %w", err)
	}
	invitations, err := invitationsOf(cfg)
	if err != nil {
		return nil, fmt.Errorf("orgkit: %w", err)
	}
	if err := checkPublicURL(cfg.PublicURL); err != nil {
		return nil, fmt.Errorf("orgkit: Config.PublicURL: %w", err)
	}
	deps.Blobs = blobsOf(cfg)
	if cfg.Webhooks.Timeout < 0 || cfg.Webhooks.Timeout > app.MaxWebhookTimeout {
		return nil, fmt.Errorf("orgkit: Config.Webhooks.Timeout must be between 0 (10s) and %s", app.MaxWebhookTimeout)
	}
	deps.Webhooks = webhook.New(webhook.Config{AllowPrivate: cfg.Webhooks.AllowPrivate, Timeout: cfg.Webhooks.Timeout})
	deps.Render = httpapi.Renderer{}
	if deps.Metrics, err = k.newMetrics(); err != nil {
		return nil, fmt.Errorf("orgkit: %w", err)
	}
	k.traceOutgoing(&deps)
	if cfg.Redis != nil {
		deps.Bus = cache.NewRedisBus(cfg.Redis, cfg.RedisKeyPrefix+"invalidate")
	}
	k.svc = app.New(deps, app.Config{SuperadminEmails: cfg.SuperadminEmails, Policy: policy, Hooks: k.appHooks(),
		Domains: k.domainsConfig(), Resolve: app.ResolveConfig{TTL: cfg.Resolve.CacheTTL, NegativeTTL: cfg.Resolve.NegativeTTL},
		Invitations: invitations, AccessCacheTTL: accessCacheTTL(cfg.AccessCache), PublicURL: cfg.PublicURL,
		PersonalOrganizations: cfg.PersonalOrganizations, Webhooks: app.WebhooksConfig{AllowPrivate: cfg.Webhooks.AllowPrivate}})
	k.api = httpapi.NewAPI(k.svc, verifier, httpapi.Options{Logger: cfg.Logger, ReadyChecks: k.checks, Draining: cfg.Draining,
		Metrics: deps.Metrics, Unmatched: func(c *gin.Context, status int) bool { return k.portal.Unmatched(c, status) },
		Trace: cfg.Tracing.serverMiddleware()})
	if k.portal, err = newPortal(cfg, k.svc, verifier, deps.Metrics); err != nil {
		return nil, fmt.Errorf("orgkit: %w", err)
	}
	return k, nil
}

// blobsOf is the blob store of uploaded logos and icons: Config.Blobs, else the database
// itself (orgkit_blobs), which every replica already shares and the host need not provision.
func blobsOf(cfg Config) ports.BlobStore {
	if cfg.Blobs != nil {
		return cfg.Blobs
	}
	return blob.NewDB(cfg.DB)
}

func accessCacheTTL(c AccessCacheConfig) time.Duration {
	if c.Disabled {
		return -1
	}
	return c.TTL
}

// newVerifier checks tokens as cfg says; with no key source at all (an operator command
// that serves no HTTP), every token is refused.
func newVerifier(ctx context.Context, cfg AuthConfig) (ports.TokenVerifier, error) {
	if len(cfg.HS256Secret) == 0 && cfg.JWKSURL == "" {
		return refuseAll{}, nil
	}
	return auth.New(ctx, auth.Config{HS256Secret: cfg.HS256Secret, JWKSURL: cfg.JWKSURL, Issuer: cfg.Issuer,
		Audience: cfg.Audience, EmailClaim: cfg.EmailClaim, AssumeEmailVerified: cfg.AssumeEmailVerified})
}

type refuseAll struct{}

func (refuseAll) Verify(context.Context, string) (domain.Identity, error) {
	return domain.Identity{}, &domain.Error{Code: domain.CodeUnauthorized, Message: "no token key source is configured (Config.Auth)"}
}

func policyOf(perms map[string][]string) (domain.Policy, error) {
	host := make(map[domain.Action][]domain.Role, len(perms))
	for action, roles := range perms {
		for _, r := range roles {
			host[domain.Action(action)] = append(host[domain.Action(action)], domain.Role(r))
		}
		if len(roles) == 0 {
			host[domain.Action(action)] = nil
		}
	}
	return domain.NewPolicy(host)
}

// appHooks adapts the host's hooks to the use cases'.
func (k *Kit) appHooks() app.Hooks {
	var h app.Hooks
	if deleting := k.cfg.Hooks.OrganizationDeleting; deleting != nil {
		h.OrganizationDeleting = func(ctx context.Context, tx ports.Repos, orgID int64) error {
			db, ok := gormstore.TxDB(tx)
			if !ok {
				return errors.New("orgkit: the deleting transaction is not a GORM transaction")
			}
			return deleting(ctx, db.WithContext(ctx), orgID)
		}
	}
	if after := k.cfg.Hooks.AfterCommit; after != nil {
		h.AfterCommit = func(ctx context.Context, r domain.AuditRecord) { after(ctx, eventOf(r)) }
	}
	return h
}

func eventOf(r domain.AuditRecord) Event {
	return Event{AuditID: r.ID, Action: r.Action, OrganizationID: r.OrganizationID, ActorUserID: r.ActorUserID,
		ActorEmail: r.ActorEmail, TargetType: r.TargetType, TargetID: r.TargetID, Changes: r.Changes, At: r.CreatedAt}
}

// Migrate applies orgkit's pending migrations (and only orgkit's), recording them in the
// orgkit_goose_db_version table. A database made before orgkit prefixed its names is renamed
// in place first. Replicas starting together on Postgres migrate once.
func (k *Kit) Migrate(ctx context.Context) error {
	applied, err := k.store.Migrate(ctx)
	if len(applied) > 0 {
		k.cfg.Logger.Info("orgkit migrations applied", slog.Any("versions", applied))
	}
	return err
}

// Migrations are the files Migrate applies, for a host that runs migrations with its own goose
// provider: use "orgkit_goose_db_version" as that provider's version table. dialect is
// "postgres" or "sqlite"; any other gives nil.
func Migrations(dialect string) fs.FS {
	f, err := gormstore.Migrations(gormstore.Dialect(dialect))
	if err != nil {
		return nil
	}
	return f
}

// Service returns the use cases, for a host that calls them directly (jobs, commands, its own
// handlers).
func (k *Kit) Service() *app.Service { return k.svc }

// WithTx returns the same use cases inside the host's transaction tx: their changes and
// audit records commit or roll back with it. Hooks.AfterCommit is not called for them, since
// the host, not orgkit, commits. Resolve cache entries a change affects are dropped when the
// use case returns and again a second later (Config.Resolve): commit within that second, or a
// resolve may serve the old answer until its TTL. Access cache entries (roles, organizations)
// are dropped when the use case returns, so a read between then and the commit may keep the
// old state for up to Config.AccessCache.TTL; reads through WithTx never use that cache. A logo
// or icon replaced through WithTx keeps its blob until Run's orphan collection, since tx may
// still roll back to it; with no Config.Blobs an upload's bytes are written in tx as well.
// Verifying a domain looks DNS up while tx is open: prefer Service() for VerifyDomain and
// RecheckDomain.
func (k *Kit) WithTx(tx *gorm.DB) *app.Service {
	store, err := gormstore.New(tx, k.cfg.Logger)
	if err != nil {
		panic(fmt.Sprintf("orgkit: WithTx: %v", err)) // a nil or foreign tx is a programming error
	}
	svc := k.svc.WithStore(store)
	if k.cfg.Blobs == nil {
		// Images kept in the database are written in tx too: on the pool, SQLite would wait
		// for tx's own write lock, and a rollback could not take them back.
		svc = svc.WithBlobs(blob.NewDB(tx))
	}
	return svc
}

// Ready reports whether orgkit can serve: the database answers, and Redis when configured.
func (k *Kit) Ready(ctx context.Context) error {
	if err := k.svc.Ready(ctx); err != nil {
		return fmt.Errorf("the database is not reachable: %w", err)
	}
	for name, check := range k.checks {
		if err := check(ctx); err != nil {
			return fmt.Errorf("%s is not reachable: %w", name, err)
		}
	}
	return nil
}

// Run does orgkit's background work until ctx ends, then returns nil; New starts none. It
// checks custom domains again on the schedule of Config.Domains.Recheck, delivers the
// outbox (invitation mail) as soon as a change commits and again every OutboxPollEvery,
// deletes orphaned logo and icon blobs every OrphanBlobsEvery, delivers webhooks as soon as
// a change commits and again every WebhookPollEvery (retries, and other replicas' work),
// and,
// with Redis, applies the other replicas' access cache invalidations as they come.
// Replicas running it on one database each check a due domain, and send a mail, once.
func (k *Kit) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { k.recheckLoop(ctx) })
	wg.Go(func() { k.outboxLoop(ctx) })
	wg.Go(func() { k.orphanBlobsLoop(ctx) })
	wg.Go(func() { k.webhookLoop(ctx) })
	wg.Go(func() { k.orphanEndpointsLoop(ctx) })
	wg.Go(func() {
		if err := k.svc.FollowInvalidations(ctx); err != nil {
			k.cfg.Logger.ErrorContext(ctx, "access cache invalidations stopped; other replicas' changes arrive within the TTL", slog.Any("error", err))
		}
	})
	wg.Wait()
	return nil
}

// OutboxPollEvery is how often Run looks for outbox items it was not woken for: those of
// another replica that stopped, and retries.
const OutboxPollEvery = 10 * time.Second

func (k *Kit) recheckLoop(ctx context.Context) {
	rc := k.cfg.Domains.Recheck
	if rc.Disabled {
		return
	}
	every := rc.PollEvery
	if every <= 0 {
		every = time.Minute
	}
	k.every(ctx, every, nil, "domain re-checks", func(ctx context.Context) error {
		_, err := k.svc.RecheckDueDomains(ctx)
		return err
	})
}

// WebhookPollEvery is how often Run looks for webhook deliveries it was not woken for:
// retries that came due, and those of a replica that stopped.
const WebhookPollEvery = 5 * time.Second

func (k *Kit) webhookLoop(ctx context.Context) {
	k.every(ctx, WebhookPollEvery, k.svc.WebhooksReady(), "webhook delivery", func(ctx context.Context) error {
		_, err := k.svc.DeliverWebhooks(ctx)
		return err
	})
}

// orphanEndpointsLoop removes deleted organizations' webhook endpoints once their last
// deliveries (organization.deleted among them) are done.
func (k *Kit) orphanEndpointsLoop(ctx context.Context) {
	k.every(ctx, OrphanBlobsEvery, nil, "orphan webhook endpoint collection", func(ctx context.Context) error {
		_, err := k.svc.CollectOrphanEndpoints(ctx)
		return err
	})
}

func (k *Kit) outboxLoop(ctx context.Context) {
	k.every(ctx, OutboxPollEvery, k.svc.OutboxReady(), "outbox delivery", func(ctx context.Context) error {
		_, err := k.svc.DeliverOutbox(ctx)
		return err
	})
}

// OrphanBlobsEvery is how often Run deletes uploaded images no organization names
// (Service.CollectOrphanBlobs).
const OrphanBlobsEvery = time.Hour

func (k *Kit) orphanBlobsLoop(ctx context.Context) {
	k.every(ctx, OrphanBlobsEvery, nil, "orphan blob collection", func(ctx context.Context) error {
		_, err := k.svc.CollectOrphanBlobs(ctx)
		return err
	})
}

// every runs work now, then every period or when wake fires, until ctx ends; failures are
// logged and retried on the next round.
func (k *Kit) every(ctx context.Context, period time.Duration, wake <-chan struct{}, name string, work func(context.Context) error) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if err := k.round(ctx, name, work); err != nil && ctx.Err() == nil {
			k.cfg.Logger.ErrorContext(ctx, name+" failed; retrying on the next round", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// Close releases what New opened. The host's DB and Redis client stay open.
func (k *Kit) Close() error { return nil }

// Register mounts every orgkit route (/v1/…) under r, a Gin engine or group, with orgkit's
// request-id, access-log, panic-recovery and body-limit middleware on those routes only.
func (k *Kit) Register(r gin.IRouter) { k.api.Register(r) }

// RegisterOps mounts /healthz, /readyz (database, Redis when configured, and Draining) and
// /openapi.yaml under r, for a service of its own such as the orgkit binary; on a
// *gin.Engine it also answers unknown routes and methods in orgkit's error envelope, except
// under a mounted portal (RegisterPortal), which answers them with its HTML pages.
func (k *Kit) RegisterOps(r gin.IRouter) { k.api.RegisterOps(r) }
