// Package httpapi is orgkit's HTTP adapter: Gin routes in seed 000's shapes, the auth and
// organization-context middleware, and the one error-to-status table.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
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
}

type handlers struct {
	svc *app.Service
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

	h := &handlers{svc: svc}
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

func (h *handlers) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := h.svc.Ready(ctx); err != nil {
		logger(c).WarnContext(ctx, "not ready", slog.Any("error", err))
		writeError(c, &domain.Error{Code: domain.CodeUnavailable, Message: "database is not reachable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}
