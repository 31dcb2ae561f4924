package httpapi

import (
	"context"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

type ctxKey int

const (
	principalKey ctxKey = iota
	orgContextKey
)

// OrgContext is the organization a request acts in, the caller, and the caller's role there
// ("" for a superadmin who is not a member).
type OrgContext struct {
	Organization domain.Organization
	Role         domain.Role
	Principal    domain.Principal
}

// Authenticate is the middleware that verifies the bearer token, signs the user in
// (provisioning them on first sight) and stores the principal in the request context.
// Errors answered: 401 unauthorized.
func (a *API) Authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		a.ensureRequestContext(c)
		token, ok := bearer(c.GetHeader("Authorization"))
		if !ok {
			writeError(c, &domain.Error{Code: domain.CodeUnauthorized, Message: "missing bearer token in the Authorization header"})
			return
		}
		id, err := a.verifier.Verify(c.Request.Context(), token)
		if err != nil {
			writeError(c, err)
			return
		}
		// Authenticated routes are the ones that write audit records: they carry the request's
		// metadata from here on, sign-in's own records included.
		ctx := domain.WithRequestMeta(c.Request.Context(), requestMeta(c))
		p, err := a.svc.SignIn(ctx, id)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Request = c.Request.WithContext(context.WithValue(ctx, principalKey, p))
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

// OrganizationContext is the middleware, mounted after Authenticate, that resolves the
// organization of the request from X-Organization-ID (set by the frontend from the domain),
// falling back to the caller's current organization, and checks membership.
// Errors answered: 400 (no organization to act in), 404, 403.
func (a *API) OrganizationContext() gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, ok := a.resolveOrganization(c); ok {
			c.Next()
		}
	}
}

// Require is the middleware that answers 403 forbidden unless the caller's role in the
// request's organization may do action, an orgkit action or one of the host's own. It
// resolves the organization as OrganizationContext does when that has not run.
func (a *API) Require(action domain.Action) gin.HandlerFunc {
	return func(c *gin.Context) {
		oc, ok := OrgContextFrom(c.Request.Context())
		if !ok {
			if oc, ok = a.resolveOrganization(c); !ok {
				return
			}
		}
		if !a.svc.Can(oc.Principal, action, oc.Role) {
			writeError(c, domain.ErrForbidden)
			return
		}
		c.Next()
	}
}

// resolveOrganization stores the request's OrgContext, or answers the error and reports false.
func (a *API) resolveOrganization(c *gin.Context) (OrgContext, bool) {
	if _, ok := PrincipalFrom(c.Request.Context()); !ok {
		writeError(c, &domain.Error{Code: domain.CodeUnauthorized, Message: "mount Authenticate before OrganizationContext and Require"})
		return OrgContext{}, false
	}
	var id *int64
	if h := c.GetHeader("X-Organization-ID"); h != "" {
		n, ok := parseID(h)
		if !ok {
			writeError(c, domain.InvalidField("X-Organization-ID", "X-Organization-ID must be a positive integer"))
			return OrgContext{}, false
		}
		id = &n
	}
	p := principal(c)
	org, role, err := a.svc.CurrentOrganization(c.Request.Context(), p, id)
	if err != nil {
		writeError(c, err)
		return OrgContext{}, false
	}
	oc := OrgContext{Organization: org, Role: role, Principal: p}
	c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), orgContextKey, oc))
	return oc, true
}

// OrgContextFrom returns what OrganizationContext stored.
func OrgContextFrom(ctx context.Context) (OrgContext, bool) {
	oc, ok := ctx.Value(orgContextKey).(OrgContext)
	return oc, ok
}
