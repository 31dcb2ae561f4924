package orgkit_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/domain"
)

// hostPool stands for the host's own *gorm.DB.
func hostPool() *gorm.DB {
	db, err := gorm.Open(postgres.Open(os.Getenv("DATABASE_URL")), &gorm.Config{})
	if err != nil {
		log.Fatal(err)
	}
	return db
}

// A host service adopts orgkit on its own pool and router.
func ExampleNew() {
	ctx := context.Background()
	k, err := orgkit.New(ctx, orgkit.Config{
		DB:          hostPool(),
		Auth:        orgkit.AuthConfig{JWKSURL: "https://clerk.example.com/.well-known/jwks.json"},
		Permissions: map[string][]string{"appointment.cancel": {"owner", "admin"}},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
	if err := k.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	r := gin.Default()
	k.Register(r)
	log.Fatal(r.Run(":8080"))
}

// Config lists what New needs; only DB and a token key source are required.
func ExampleConfig() {
	_ = orgkit.Config{
		DB:               hostPool(),
		Auth:             orgkit.AuthConfig{HS256Secret: []byte(os.Getenv("AUTH_SECRET"))},
		SuperadminEmails: []string{"ops@example.com"},
		VaultKeys:        os.Getenv("ORGKIT_VAULT_KEYS"),
		Logger:           slog.Default(),
	}
}

// AuthConfig accepts Clerk session tokens, whose addresses Clerk has verified.
func ExampleAuthConfig() {
	_ = orgkit.AuthConfig{
		JWKSURL:             "https://clerk.example.com/.well-known/jwks.json",
		Issuer:              "https://clerk.example.com",
		AssumeEmailVerified: true,
	}
}

// ConfigFromEnv reads the ORGKIT_* variables, as the orgkit binary does.
func ExampleConfigFromEnv() {
	ctx := context.Background()
	cfg, err := orgkit.ConfigFromEnv(ctx, os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	defer orgkit.CloseConfig(cfg)
	k, err := orgkit.New(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
}

// CloseConfig closes the database pool and Redis client ConfigFromEnv opened.
func ExampleCloseConfig() {
	cfg, err := orgkit.ConfigFromEnv(context.Background(), os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	if err := orgkit.CloseConfig(cfg); err != nil {
		log.Print(err)
	}
}

// Hooks keep a host's rows in step with orgkit's.
func ExampleHooks() {
	_ = orgkit.Hooks{
		OrganizationDeleting: func(ctx context.Context, tx *gorm.DB, orgID int64) error {
			return tx.Exec("DELETE FROM appointments WHERE organization_id = ?", orgID).Error
		},
		AfterCommit: func(ctx context.Context, e orgkit.Event) {
			log.Printf("%s by user %v", e.Action, e.ActorUserID)
		},
	}
}

// Event is what AfterCommit receives.
func ExampleEvent() {
	onChange := func(_ context.Context, e orgkit.Event) {
		if e.Action == domain.AuditOrganizationDeleted && e.OrganizationID != nil {
			fmt.Println("organization", *e.OrganizationID, "is gone")
		}
	}
	_ = orgkit.Hooks{AfterCommit: onChange}
}

// Kit is orgkit put together; hosts keep one for the life of the process.
func ExampleKit() {
	var k *orgkit.Kit
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	defer k.Close()
}

func ExampleKit_Migrate() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	if err := k.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
}

// Migrations feed a host's own goose provider, with orgkit's version table.
func ExampleMigrations() {
	files := orgkit.Migrations("postgres")
	fmt.Println(files != nil)
	// Output: true
}

// Register mounts the API on a host's group.
func ExampleKit_Register() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	k.Register(r.Group("/api")) // /api/v1/organizations, …
}

// RegisterOps mounts /healthz, /readyz and /openapi.yaml for a service of its own.
func ExampleKit_RegisterOps() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	k.RegisterOps(r)
	k.Register(r)
}

// RegisterPortal mounts the admin portal: /portal/ on an engine, here /admin/portal/ on a
// group. Browsers sign in with the API's token in the session cookie.
func ExampleKit_RegisterPortal() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool(), Auth: orgkit.AuthConfig{JWKSURL: os.Getenv("ORGKIT_AUTH_JWKS_URL")}})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	k.Register(r)
	k.RegisterPortal(r.Group("/admin")) // /admin/portal/, /admin/portal/organizations/{id}, …
}

// A host engine with a NoRoute handler of its own lets the portal answer unknown paths under
// /portal/ with its HTML 404 page first.
func ExampleKit_PortalNotFound() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool(), Auth: orgkit.AuthConfig{JWKSURL: os.Getenv("ORGKIT_AUTH_JWKS_URL")}})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	k.Register(r)
	k.RegisterPortal(r)
	r.NoRoute(func(c *gin.Context) {
		if k.PortalNotFound(c) {
			return
		}
		c.JSON(http.StatusNotFound, gin.H{"error": "no such route"}) // the host's own answer
	})
}

// PortalConfig names the cookie the portal reads the token from; DevSignIn is for
// development servers only.
func ExamplePortalConfig() {
	cfg := orgkit.Config{DB: hostPool(), Auth: orgkit.AuthConfig{HS256Secret: []byte(os.Getenv("ORGKIT_AUTH_HS256_SECRET"))},
		Portal: orgkit.PortalConfig{Cookie: "app_session", DevSignIn: os.Getenv("APP_ENV") == "development"}}
	_ = cfg
}

// Authenticate and OrganizationContext guard a host's own route.
func ExampleKit_OrganizationContext() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.GET("/v1/appointments", k.Authenticate(), k.OrganizationContext(), func(c *gin.Context) {
		oc, _ := orgkit.OrgContextFrom(c.Request.Context())
		c.JSON(http.StatusOK, gin.H{"organization_id": oc.Organization.ID, "role": oc.Role})
	})
}

func ExampleKit_Authenticate() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.GET("/v1/whoami", k.Authenticate(), func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{"ok": true})
	})
}

// Require protects a host action declared in Config.Permissions.
func ExampleKit_Require() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool(),
		Permissions: map[string][]string{"appointment.cancel": {"owner", "admin"}}})
	if err != nil {
		log.Fatal(err)
	}
	r := gin.New()
	r.POST("/v1/appointments/:id/cancel", k.Authenticate(), k.Require("appointment.cancel"), func(c *gin.Context) {
		c.Status(http.StatusNoContent)
	})
}

func ExampleOrgContextFrom() {
	handler := func(c *gin.Context) {
		oc, ok := orgkit.OrgContextFrom(c.Request.Context())
		if !ok {
			orgkit.WriteError(c, domain.ErrForbidden)
			return
		}
		c.JSON(http.StatusOK, gin.H{"organization": oc.Organization.Slug, "user": oc.Principal.User.ID})
	}
	_ = handler
}

// OrgContext carries the organization, the caller and the caller's role.
func ExampleOrgContext() {
	describe := func(oc orgkit.OrgContext) string {
		return fmt.Sprintf("%s as %s", oc.Organization.Slug, oc.Role)
	}
	fmt.Println(describe(orgkit.OrgContext{Organization: domain.Organization{Slug: "acme"}, Role: domain.RoleAdmin}))
	// Output: acme as admin
}

// WriteError answers a host handler's errors in orgkit's envelope.
func ExampleWriteError() {
	handler := func(c *gin.Context) {
		orgkit.WriteError(c, &domain.Error{Code: domain.CodeNotFound, Message: "appointment not found"})
	}
	_ = handler
}

// Service runs the use cases directly, from jobs and commands.
func ExampleKit_Service() {
	ctx := context.Background()
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	p, err := k.Service().SignIn(ctx, domain.Identity{Subject: "user_2abc", Email: "ann@example.com", EmailVerified: true})
	if err != nil {
		log.Fatal(err)
	}
	page, err := k.Service().ListOrganizations(ctx, p, domain.OrganizationQuery{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Items))
}

// WithTx runs a use case inside the host's transaction.
func ExampleKit_WithTx() {
	ctx := context.Background()
	db := hostPool()
	k, err := orgkit.New(ctx, orgkit.Config{DB: db})
	if err != nil {
		log.Fatal(err)
	}
	operator := domain.Principal{Superadmin: true}
	err = db.Transaction(func(tx *gorm.DB) error {
		org, err := k.WithTx(tx).CreateOrganization(ctx, operator, domain.NewOrganization{Name: "Acme", Slug: "acme"})
		if err != nil {
			return err
		}
		return tx.Exec("INSERT INTO billing_accounts (organization_id) VALUES (?)", org.ID).Error
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Ready backs a host's own readiness probe.
func ExampleKit_Ready() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	if err := k.Ready(context.Background()); err != nil {
		log.Print("not ready: ", err)
	}
}

// Run does orgkit's background work until the context ends.
func ExampleKit_Run() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		if err := k.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Print(err)
		}
	}()
}

func ExampleKit_Close() {
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: hostPool()})
	if err != nil {
		log.Fatal(err)
	}
	if err := k.Close(); err != nil { // the host's pool stays open
		log.Print(err)
	}
}

// DomainsConfig lets a platform name its own kinds of custom domain and its DNS servers.
func ExampleDomainsConfig() {
	_ = orgkit.Config{
		DB:              hostPool(),
		PlatformDomains: []string{"clinic.example.app"}, // acme.clinic.example.app is slug acme
		Domains: orgkit.DomainsConfig{
			Types:              []string{"booking", "portal"},
			VerificationPrefix: "_example-verification",
			Resolvers:          []string{"1.1.1.1:53", "8.8.8.8:53"},
		},
	}
}

// RecheckConfig makes the background re-verification more patient with verified domains, or
// switches it off (replicas may all run it: each due domain is checked once).
func ExampleRecheckConfig() {
	_ = orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{VerifiedEvery: 6 * time.Hour, Grace: 7 * 24 * time.Hour}}
	_ = orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: os.Getenv("ORGKIT_DOMAIN_RECHECK") == "false"}}
}

// ResolveConfig keeps resolve answers longer; with Config.Redis set they are shared, and
// invalidated, across replicas.
func ExampleResolveConfig() {
	_ = orgkit.Config{DB: hostPool(), Resolve: orgkit.ResolveConfig{CacheTTL: 10 * time.Minute, NegativeTTL: 10 * time.Second}}
}

// MailConfig sends invitation mail through the platform's SMTP relay; Run delivers it.
func ExampleMailConfig() {
	_ = orgkit.Config{DB: hostPool(), Mail: orgkit.MailConfig{
		SMTPURL: "smtp://orgkit:" + os.Getenv("SMTP_PASSWORD") + "@smtp.example.com:587",
		From:    "Example <no-reply@example.com>",
	}}
}

// InvitationsConfig points invitation links at the host's own page, which signs the
// invitee in and calls POST /v1/invitations/{token}/accept.
func ExampleInvitationsConfig() {
	_ = orgkit.Config{DB: hostPool(), Invitations: orgkit.InvitationsConfig{
		URL: "https://app.example.com/invitations/{token}",
		TTL: 3 * 24 * time.Hour,
	}}
}

// AccessCacheConfig shortens how long a replica may act on a role another replica changed
// when the Redis invalidation is lost; Disabled makes every request read the database.
func ExampleAccessCacheConfig() {
	_ = orgkit.Config{DB: hostPool(), AccessCache: orgkit.AccessCacheConfig{TTL: time.Second}}
}
