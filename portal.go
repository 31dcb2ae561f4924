package orgkit

import (
	"crypto/sha256"
	"errors"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/adapters/portal"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// PortalConfig configures the admin portal (RegisterPortal).
type PortalConfig struct {
	// Cookie names the cookie whose token signs a browser in, verified exactly as the API's
	// bearer tokens; empty: "__session", Clerk's session cookie, so a portal served on the
	// product's domain needs no second sign-in (ORGKIT_PORTAL_COOKIE).
	Cookie string
	// DevSignIn enables /portal/sign-in, where anyone mints a one-hour token for any email,
	// marked verified. Development only (the binary sets it under `serve --dev`); it needs
	// Auth.HS256Secret.
	DevSignIn bool
}

// newPortal builds the portal over svc. The CSRF key derives from the configured secrets, so
// every replica with the same configuration accepts the same forms.
func newPortal(cfg Config, svc *app.Service, verifier ports.TokenVerifier, m ports.Metrics) (*portal.Portal, error) {
	opts := portal.Options{Verifier: verifier, Describe: httpapi.Describe, Cookie: cfg.Portal.Cookie, Logger: cfg.Logger, Metrics: m}
	if cfg.Portal.DevSignIn {
		if len(cfg.Auth.HS256Secret) == 0 {
			return nil, errors.New("the development sign-in (Config.Portal.DevSignIn) needs Config.Auth.HS256Secret")
		}
		ac := auth.Config{HS256Secret: cfg.Auth.HS256Secret, EmailClaim: cfg.Auth.EmailClaim, Issuer: cfg.Auth.Issuer, Audience: cfg.Auth.Audience}
		opts.Mint = func(id domain.Identity, ttl time.Duration) (string, error) {
			return auth.MintHS256(ac, id, ttl, time.Now())
		}
	}
	if len(cfg.Auth.HS256Secret) > 0 || cfg.VaultKeys != "" {
		sum := sha256.Sum256(append(append([]byte("orgkit portal csrf\x00"), cfg.Auth.HS256Secret...), cfg.VaultKeys...))
		opts.CSRFKey = sum[:]
	}
	return portal.New(svc, opts), nil
}

// RegisterPortal mounts the admin portal under r at /portal (e.g. /portal/ on an engine, or
// /admin/portal/ on a group at /admin): server-rendered pages where organization admins
// manage their organization (profile, members, invitations, domains, API keys, audit log,
// webhooks) and superadmins all organizations, through the same use cases as the API.
// Browsers sign in with the API's token in the cookie named by Config.Portal.Cookie
// ("__session" by default); forms carry a CSRF token and are refused from other origins.
// Every response carries a strict Content-Security-Policy, so mount it on the product's own
// domain and serve nothing else under /portal.
func (k *Kit) RegisterPortal(r gin.IRouter) { k.portal.Register(r) }
