// Package httpapi is orgkit's HTTP adapter: the Gin routes of the API, the authentication,
// organization-context and permission middleware, and the one error-to-status table.
package httpapi

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Options configure the API.
type Options struct {
	Logger *slog.Logger
	// ReadyChecks are what /readyz checks besides the database, by name (e.g. "redis"); each
	// should bound its own latency. A failing check answers 503 naming it.
	ReadyChecks map[string]func(context.Context) error
	// Draining reports that the process is shutting down: /readyz answers 503 at once so load
	// balancers stop routing here while the other routes keep serving. Nil: never.
	Draining func() bool
	// Unmatched, when set, is asked first by the NoRoute (status 404) and NoMethod (405)
	// handlers RegisterOps installs on an engine; when it reports true it has answered (the
	// admin portal's HTML page for its own paths), else the API's JSON error follows.
	Unmatched func(c *gin.Context, status int) bool
	// Metrics counts and times every request the prelude runs for; nil: ports.NopMetrics.
	Metrics ports.Metrics
	// Trace, when set, runs first on every orgkit route, once, around everything else: the
	// facade's OpenTelemetry middleware, so that the access log and every later handler see
	// the request's span. Nil: no tracing work at all.
	Trace gin.HandlerFunc
}

// API is orgkit's HTTP API over one Service: its routes, mountable on any Gin router or
// group, and the middleware a host puts on its own routes.
type API struct {
	svc      *app.Service
	verifier ports.TokenVerifier
	opts     Options
	uploads  atomic.Pointer[map[string]bool] // full paths of the upload routes (POST), which allow MaxUploadBodyBytes
}

type handlers struct {
	svc         *app.Service
	readyChecks map[string]func(context.Context) error
	draining    func() bool
}

// NewAPI builds the API on a service and the verifier of its bearer tokens.
func NewAPI(svc *app.Service, verifier ports.TokenVerifier, opts Options) *API {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Metrics == nil {
		opts.Metrics = ports.NopMetrics{}
	}
	return &API{svc: svc, verifier: verifier, opts: opts}
}

// New returns a Gin engine of its own serving the API and the operational routes (see
// RegisterOps): what the orgkit binary serves.
func New(svc *app.Service, verifier ports.TokenVerifier, opts Options, trustedProxies ...string) (*gin.Engine, error) {
	a := NewAPI(svc, verifier, opts)
	r := gin.New()
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(trustedProxies); err != nil {
		return nil, err
	}
	r.Use(a.middleware()...) // also for routes added to the engine beside orgkit's own
	a.RegisterOps(r)
	a.Register(r)
	return r, nil
}

// middleware is what every orgkit route runs first (see prelude).
func (a *API) middleware() []gin.HandlerFunc {
	if a.opts.Trace == nil {
		return []gin.HandlerFunc{prelude(a.opts.Logger, a.bodyLimit, a.opts.Metrics)}
	}
	return []gin.HandlerFunc{traceOnce(a.opts.Trace), prelude(a.opts.Logger, a.bodyLimit, a.opts.Metrics)}
}

// traceOnce runs trace unless an engine-wide copy of the prelude already ran for this
// request, so that a request gets one server span, whichever copies apply.
func traceOnce(trace gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if st := state(c); st != nil && st.prelude {
			c.Next()
			return
		}
		trace(c)
	}
}

// allowUpload lets POST requests to the route fullPath send MaxUploadBodyBytes.
func (a *API) allowUpload(fullPath string) {
	for {
		old := a.uploads.Load()
		next := map[string]bool{fullPath: true}
		if old != nil {
			maps.Copy(next, *old)
		}
		if a.uploads.CompareAndSwap(old, &next) {
			return
		}
	}
}

// bodyLimit is the largest body the request's route accepts.
func (a *API) bodyLimit(c *gin.Context) int64 {
	if c.Request.Method == http.MethodPost {
		if up := a.uploads.Load(); up != nil && (*up)[c.FullPath()] {
			return MaxUploadBodyBytes
		}
	}
	return MaxBodyBytes
}

// ensureRequestContext runs requestContext for a host route that did not go through
// Register's group, so errors are logged with a request id and audit records get the
// request's metadata.
func (a *API) ensureRequestContext(c *gin.Context) {
	if state(c) == nil {
		setRequestContext(c, a.opts.Logger)
	}
}

// unmatched reports whether Options.Unmatched answered a request no route matched.
func (a *API) unmatched(c *gin.Context, status int) bool {
	return a.opts.Unmatched != nil && a.opts.Unmatched(c, status)
}

func (a *API) handlers() *handlers {
	return &handlers{svc: a.svc, readyChecks: a.opts.ReadyChecks, draining: a.opts.Draining}
}

// RegisterOps mounts /healthz, /readyz and /openapi.yaml under r. On an engine (a service
// of its own) it also answers unknown routes and methods in orgkit's error envelope, after
// Options.Unmatched declined them.
func (a *API) RegisterOps(r gin.IRouter) {
	g := r.Group("", a.middleware()...)
	h := a.handlers()
	g.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	g.GET("/readyz", h.ready)
	g.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", OpenAPI) })
	if e, ok := r.(*gin.Engine); ok {
		e.HandleMethodNotAllowed = true
		e.NoRoute(append(a.middleware(), func(c *gin.Context) {
			if !a.unmatched(c, http.StatusNotFound) {
				writeError(c, &domain.Error{Code: domain.CodeNotFound, Message: "route not found"})
			}
		})...)
		e.NoMethod(append(a.middleware(), func(c *gin.Context) {
			if !a.unmatched(c, http.StatusMethodNotAllowed) {
				writeError(c, &domain.Error{Code: domain.CodeMethodNotAllowed, Message: "method not allowed on this route"})
			}
		})...)
	}
}

// Register mounts every API route (/v1/…) under r, with orgkit's request-id, logging,
// recovery and body-limit middleware on that group only, so a host's other routes keep
// their own. Every route but /v1/public/… requires a bearer token.
func (a *API) Register(r gin.IRouter) {
	h := a.handlers()
	v1 := r.Group("/v1", append(a.middleware(), a.Authenticate())...)
	v1.GET("/me", h.me)
	v1.PUT("/me/switch-organization", h.switchOrganization)

	orgs := v1.Group("/organizations")
	orgs.GET("", h.listOrganizations)
	orgs.POST("", h.createOrganization)
	orgs.GET("/slug/:slug", h.getOrganizationBySlug)
	orgs.GET("/:id", h.getOrganization)
	orgs.PATCH("/:id", h.updateOrganization)
	orgs.DELETE("/:id", h.deleteOrganization)
	orgs.POST("/:id/connect-user", h.connectUser)
	orgs.GET("/:id/api-keys", h.revealAPIKeys)
	orgs.POST("/:id/api-keys", h.createAPIKey)
	orgs.PATCH("/:id/api-keys/:keyId", h.updateAPIKey)
	orgs.DELETE("/:id/api-keys/:keyId", h.deleteAPIKey)
	orgs.GET("/:id/audit-logs", h.listOrgAuditLogs)
	orgs.GET("/:id/domains", h.listDomains)
	orgs.POST("/:id/domains", h.addDomain)
	orgs.POST("/:id/domains/:domainId/verify", h.verifyDomain)
	orgs.DELETE("/:id/domains/:domainId", h.deleteDomain)
	orgs.GET("/:id/members", h.listMembers)
	orgs.POST("/:id/members", h.addMember)
	orgs.DELETE("/:id/members/me", h.leaveOrganization)
	orgs.PATCH("/:id/members/:userId", h.updateMember)
	orgs.DELETE("/:id/members/:userId", h.removeMember)
	orgs.POST("/:id/join", h.joinOrganization)
	orgs.GET("/:id/invites", h.listInvites)
	orgs.POST("/:id/invites", h.createInvite)
	orgs.PATCH("/:id/invites/:inviteId", h.updateInvite)
	orgs.GET("/:id/invitations", h.listInvitations)
	orgs.POST("/:id/invitations", h.createInvitation)
	orgs.POST("/:id/invitations/:invitationId/resend", h.resendInvitation)
	orgs.DELETE("/:id/invitations/:invitationId", h.revokeInvitation)
	orgs.GET("/:id/events", h.listEvents)
	// An organization's endpoints (its owners and admins) and the platform's (superadmins):
	// the same handlers, the owner read from the path.
	for _, g := range []*gin.RouterGroup{orgs.Group("/:id/webhook-endpoints"), v1.Group("/webhook-endpoints")} {
		g.GET("", h.listEndpoints)
		g.POST("", h.createEndpoint)
		g.GET("/:endpointId", h.getEndpoint)
		g.PATCH("/:endpointId", h.updateEndpoint)
		g.DELETE("/:endpointId", h.deleteEndpoint)
		g.POST("/:endpointId/rotate-secret", h.rotateEndpointSecret)
		g.POST("/:endpointId/test", h.testEndpoint)
		g.GET("/:endpointId/deliveries", h.listDeliveries)
		g.POST("/:endpointId/deliveries/:deliveryId/retry", h.retryDelivery)
	}
	for _, slot := range []domain.ImageSlot{domain.ImageLogo, domain.ImageIcon} {
		for _, path := range []string{"/:id/" + string(slot), "/slug/:slug/" + string(slot)} {
			orgs.POST(path, h.uploadImage(slot))
			orgs.DELETE(path, h.removeImage(slot))
			a.allowUpload(orgs.BasePath() + path)
		}
	}
	v1.POST("/invites/:code/accept", h.acceptInvite)
	v1.POST("/invitations/:token/accept", h.acceptInvitation)
	v1.GET("/me/suggested-organizations", h.suggestedOrganizations)
	v1.GET("/audit-logs", h.listAllAuditLogs)
	v1.GET("/events", h.listAllEvents)
	v1.GET("/stats", h.stats)

	// Public routes: the same prelude, no authentication.
	public := r.Group("/v1/public", a.middleware()...)
	public.GET("/organizations/resolve", h.resolve)
	public.GET("/invites/:code", h.previewInvite)
	for _, slot := range []domain.ImageSlot{domain.ImageLogo, domain.ImageIcon} {
		public.GET("/organizations/:id/"+string(slot), h.publicImage(slot))
		public.GET("/organizations/slug/:slug/"+string(slot), h.publicImage(slot))
	}
}

// readyTimeout bounds /readyz, so a probe never waits on a hung dependency.
const readyTimeout = 2 * time.Second

func (h *handlers) ready(c *gin.Context) {
	if h.draining != nil && h.draining() {
		writeError(c, &domain.Error{Code: domain.CodeUnavailable, Message: "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	if failed := h.failedChecks(ctx, logger(c)); len(failed) > 0 {
		writeError(c, &domain.Error{Code: domain.CodeUnavailable, Message: "not ready: " + strings.Join(failed, ", ") + " unreachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// failedChecks runs the database check and every ReadyCheck concurrently and returns the
// names of those that failed, sorted; each failure is logged with its cause.
func (h *handlers) failedChecks(ctx context.Context, log *slog.Logger) []string {
	checks := map[string]func(context.Context) error{"database": h.svc.Ready}
	for name, check := range h.readyChecks {
		checks[name] = check
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var failed []string
	for name, check := range checks {
		wg.Go(func() {
			if err := check(ctx); err != nil {
				log.WarnContext(ctx, "not ready", slog.String("check", name), slog.Any("error", err))
				mu.Lock()
				failed = append(failed, name)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(failed)
	return failed
}
