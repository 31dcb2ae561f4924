package portal

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// orgPage is one page of an organization: its template, where it lives and how its data loads.
type orgPage struct {
	name   string        // template and data-page
	label  string        // in the navigation
	suffix string        // after /portal/organizations/{id}
	action domain.Action // what the caller must be allowed to see it in the navigation
	load   func(p *Portal, c *gin.Context, v *view) error
}

// orgNav is the navigation between an organization's pages, in order.
var orgNav = []orgPage{
	{name: "profile", label: "Profile", action: domain.ActionOrgRead},
	{name: "members", label: "Members", suffix: "/members", action: domain.ActionMemberRead},
	{name: "invitations", label: "Invitations", suffix: "/invitations", action: domain.ActionInviteManage},
	{name: "domains", label: "Domains", suffix: "/domains", action: domain.ActionDomainRead},
	{name: "api-keys", label: "API keys", suffix: "/api-keys", action: domain.ActionVaultManage},
	{name: "audit", label: "Audit log", suffix: "/audit", action: domain.ActionAuditRead},
	{name: "webhooks", label: "Webhooks", suffix: "/webhooks", action: domain.ActionWebhookManage},
}

// pathID reads a positive decimal id path parameter; 0 when malformed.
func pathID(c *gin.Context, name string) int64 {
	s := c.Param(name)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || s[0] == '0' || s[0] == '+' {
		return 0
	}
	return n
}

// orgView starts the view of an organization page: the organization of the path, the
// caller's role there (the same membership check as the API), the switcher and navigation.
func (p *Portal) orgView(c *gin.Context, name string) (view, error) {
	id := pathID(c, "id")
	if id == 0 {
		return view{}, &domain.Error{Code: domain.CodeOrganizationNotFound, Message: "organization not found"}
	}
	s := sessionOf(c)
	org, role, err := p.svc.CurrentOrganization(c.Request.Context(), s.principal, &id)
	if err != nil {
		return view{}, err
	}
	v := view{Org: &org, Role: role, Title: org.Name}
	v.can = func(a domain.Action) bool { return p.svc.Can(s.principal, a, role) }
	for _, pg := range orgNav {
		if v.can(pg.action) {
			v.Nav = append(v.Nav, navItem{Name: pg.name, Label: pg.label, Href: orgHref(org.ID, pg.suffix), Current: pg.name == name})
		}
	}
	v.Orgs = p.switcherOrgs(c)
	return v, nil
}

func orgHref(id int64, suffix string) string {
	return "/portal/organizations/" + strconv.FormatInt(id, 10) + suffix
}

// switcherOrgs are the organizations the caller may switch to (all for superadmins), by name.
func (p *Portal) switcherOrgs(c *gin.Context) []domain.Organization {
	page, err := p.svc.ListOrganizations(c.Request.Context(), sessionOf(c).principal, domain.OrganizationQuery{PageSize: domain.MaxPageSize})
	if err != nil {
		p.opts.Logger.WarnContext(c.Request.Context(), "portal: listing organizations for the switcher failed", slog.Any("error", err))
		return nil
	}
	return page.Items
}

// show answers GET of an organization page.
func (p *Portal) show(pg orgPage) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := p.orgView(c, pg.name)
		if err == nil {
			err = pg.load(p, c, &v)
		}
		if err != nil {
			p.fail(c, err)
			return
		}
		p.render(c, http.StatusOK, pg.name, v)
	}
}

// act answers a form POST of an organization page with do: on success a 303 back to the
// page (post/redirect/get), unless do left something to show once (v.Once: the
// page is rendered with it, 200); on an app error the page again, with the API's status and
// message in role="alert".
func (p *Portal) act(pg orgPage, do func(c *gin.Context, v *view) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		v, err := p.orgView(c, pg.name)
		if err != nil {
			p.fail(c, err)
			return
		}
		if err := do(c, &v); err != nil {
			p.again(c, pg, v, err)
			return
		}
		if v.Once != nil {
			p.reload(c, pg, v, http.StatusOK)
			return
		}
		c.Redirect(http.StatusSeeOther, orgHref(v.Org.ID, pg.suffix))
	}
}

// again re-renders pg after err with the API's status and message.
func (p *Portal) again(c *gin.Context, pg orgPage, v view, err error) {
	status, msg := p.describe(err)
	if status >= 500 {
		p.opts.Logger.ErrorContext(c.Request.Context(), "portal action failed", slog.String("path", c.FullPath()), slog.Any("error", err))
	}
	v.Alert = msg
	p.reload(c, pg, v, status)
}

// reload renders pg with fresh data (the organization too: the action may have changed it).
func (p *Portal) reload(c *gin.Context, pg orgPage, v view, status int) {
	if org, _, err := p.svc.CurrentOrganization(c.Request.Context(), sessionOf(c).principal, &v.Org.ID); err == nil {
		v.Org = &org
	}
	if err := pg.load(p, c, &v); err != nil {
		if v.Alert == "" {
			p.fail(c, err)
			return
		}
		p.renderError(c, status, v.Alert) // the page itself is not readable (e.g. a member's forged POST)
		return
	}
	p.render(c, status, pg.name, v)
}
