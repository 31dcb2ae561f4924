package orgkit

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/domain"
)

// OrgContext is the organization a request acts in, the caller, and the caller's role there
// ("" for a superadmin who is not a member), as OrganizationContext or Require stored it.
type OrgContext = httpapi.OrgContext

// Authenticate is the middleware for a host's own routes that verifies the bearer token,
// signs the user in (provisioning them on first sight) and stores the caller for
// OrgContextFrom, OrganizationContext and Require. It answers 401 unauthorized otherwise.
func (k *Kit) Authenticate() gin.HandlerFunc { return k.api.Authenticate() }

// OrganizationContext is the middleware, mounted after Authenticate, that resolves the
// organization a request acts in: the X-Organization-ID header, else the caller's current
// organization. Non-members get 403 forbidden (superadmins pass with an empty role); an
// unknown organization is 404; no organization to act in is 400.
func (k *Kit) OrganizationContext() gin.HandlerFunc { return k.api.OrganizationContext() }

// Require is the middleware, mounted after Authenticate, that answers 403 forbidden unless
// the caller's role in the request's organization may do action: one of orgkit's actions or
// a host action from Config.Permissions. It resolves the organization as
// OrganizationContext does when that has not run.
func (k *Kit) Require(action string) gin.HandlerFunc { return k.api.Require(domain.Action(action)) }

// OrgContextFrom returns the organization context OrganizationContext or Require stored in
// the request's context: pass c.Request.Context() (a *gin.Context finds it only on an engine
// with ContextWithFallback).
func OrgContextFrom(ctx context.Context) (OrgContext, bool) { return httpapi.OrgContextFrom(ctx) }

// WriteError answers err from a host's handler in orgkit's envelope,
// {"error": {"code", "message", "details"?}}, with the status of its code. Errors that are
// not orgkit's are answered as a logged 500 internal_error whose message the client never
// sees.
func WriteError(c *gin.Context, err error) { httpapi.WriteError(c, err) }
