package orgkit

import (
	"crypto/sha256"
	"errors"
	"net/http"
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
//
// Unknown paths under /portal answer the portal's HTML 404 page on an engine whose NoRoute
// is RegisterOps's (as in the binary); a host engine with a NoRoute handler of its own calls
// PortalNotFound first in it.
func (k *Kit) RegisterPortal(r gin.IRouter) { k.portal.Register(r) }

// PortalNotFound answers a request that matched no route with the portal's HTML 404 page
// (its security headers, a link to the portal's home) when its path is under the mounted
// portal, and reports true; otherwise it writes nothing and reports false. Call it first in
// a host engine's own NoRoute handler:
//
//	r.NoRoute(func(c *gin.Context) {
//		if k.PortalNotFound(c) {
//			return
//		}
//		c.JSON(http.StatusNotFound, gin.H{"error": "not found"}) // the host's own answer
//	})
func (k *Kit) PortalNotFound(c *gin.Context) bool { return k.portal.Unmatched(c, http.StatusNotFound) }
