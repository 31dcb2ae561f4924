// Package httpapi is orgkit's HTTP adapter: Gin routes in seed 000's shapes, the auth and
// organization-context middleware, and the one error-to-status table.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Options configure the router.
type Options struct {
	Logger         *slog.Logger
	TrustedProxies []string // client IPs are taken from X-Forwarded-For only behind these
	// ReadyChecks are what /readyz checks besides the database, by name (e.g. "redis"); each
	// should bound its own latency. A failing check answers 503 naming it.
	ReadyChecks map[string]func(context.Context) error
	// Draining reports that the process is shutting down: /readyz answers 503 at once so load
	// balancers stop routing here while the other routes keep serving. Nil: never.
	Draining func() bool
}

type handlers struct {
	svc         *app.Service
	readyChecks map[string]func(context.Context) error
	draining    func() bool
}

// New returns the orgkit HTTP API.
func New(svc *app.Service, authn ports.Authenticator, opts Options) (*gin.Engine, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(opts.TrustedProxies); err != nil {
		return nil, err
	}
	r.Use(requestContext(opts.Logger), accessLog, recovery, limitBody)
	r.NoRoute(func(c *gin.Context) {
		writeError(c, &domain.Error{Code: domain.CodeNotFound, Message: "route not found"})
	})
	r.NoMethod(func(c *gin.Context) {
		writeError(c, &domain.Error{Code: domain.CodeMethodNotAllowed, Message: "method not allowed on this route"})
	})

	h := &handlers{svc: svc, readyChecks: opts.ReadyChecks, draining: opts.Draining}
	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", h.ready)
	r.GET("/openapi.yaml", func(c *gin.Context) { c.Data(http.StatusOK, "application/yaml", OpenAPI) })

	v1 := r.Group("/v1", Authenticate(svc, authn))
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
	v1.GET("/audit-logs", h.listAllAuditLogs)
	return r, nil
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
