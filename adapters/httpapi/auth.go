package httpapi

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	orgContextKey
)

// OrgContext is the organization a request acts in and the caller's role there ("" for a
// superadmin who is not a member).
type OrgContext struct {
	Organization domain.Organization
	Role         domain.Role
}

// Authenticate verifies the bearer token, provisions the user on first sight and stores the
// principal in the request context. Embedding services mount it on their own routes.
func Authenticate(svc *app.Service, authn ports.Authenticator) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			writeError(c, &domain.Error{Code: domain.CodeUnauthorized, Message: "missing bearer token in the Authorization header"})
			return
		}
		id, err := authn.Authenticate(c.Request.Context(), token)
		if err != nil {
			writeError(c, err)
			return
		}
		p, err := svc.Authenticate(c.Request.Context(), id)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), principalKey, p))
		c.Next()
	}
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	return token, ok && strings.EqualFold(scheme, "Bearer") && token != ""
}

// PrincipalFrom returns the caller stored by Authenticate.
func PrincipalFrom(ctx context.Context) (domain.Principal, bool) {
	p, ok := ctx.Value(principalKey).(domain.Principal)
	return p, ok
}

func principal(c *gin.Context) domain.Principal {
	p, _ := PrincipalFrom(c.Request.Context())
	return p
}

// OrganizationContext resolves the organization of the request from X-Organization-ID (set
// by the frontend from the domain), falling back to the caller's current organization, and
// checks membership (403 otherwise). Mount it after Authenticate.
func OrganizationContext(svc *app.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var id *int64
		if h := c.GetHeader("X-Organization-ID"); h != "" {
			n, ok := parseID(h)
			if !ok {
				writeError(c, domain.InvalidField("X-Organization-ID", "X-Organization-ID must be a positive integer"))
				return
			}
			id = &n
		}
		org, role, err := svc.OrganizationContext(c.Request.Context(), principal(c), id)
		if err != nil {
			writeError(c, err)
			return
		}
		oc := OrgContext{Organization: org, Role: role}
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), orgContextKey, oc))
		c.Next()
	}
}

// OrgContextFrom returns what OrganizationContext stored.
func OrgContextFrom(ctx context.Context) (OrgContext, bool) {
	oc, ok := ctx.Value(orgContextKey).(OrgContext)
	return oc, ok
}
