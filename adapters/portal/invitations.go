package portal

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerInvitations(g *gin.RouterGroup) {
	g.GET("/organizations/:id/invitations", p.show(invitationsPage))
	g.POST("/organizations/:id/invitations", p.act(invitationsPage, p.invite))
	g.POST("/organizations/:id/invitations/:invitationId/resend", p.act(invitationsPage, p.resendInvitation))
	g.POST("/organizations/:id/invitations/:invitationId/revoke", p.act(invitationsPage, p.revokeInvitation))
	g.POST("/organizations/:id/invites", p.act(invitationsPage, p.createInvite))
	g.POST("/organizations/:id/invites/:inviteId/disable", p.act(invitationsPage, p.disableInvite))
	g.GET("/invitations/:token", p.acceptPage)
	g.POST("/invitations/:token", p.accept)
}

var invitationsPage = orgPage{name: "invitations", suffix: "/invitations", load: (*Portal).loadInvitations}

type invitationsData struct {
	Invitations []domain.Invitation
	Invites     []domain.Invite
	Now         time.Time
}

// newLink is what creating an invite link shows once: the link with its code.
type newLink struct{ URL string }

func (p *Portal) loadInvitations(c *gin.Context, v *view) error {
	ctx, pr := c.Request.Context(), sessionOf(c).principal
	invs, err := p.svc.ListInvitations(ctx, pr, v.Org.ID, domain.InvitationQuery{PageSize: domain.MaxPageSize})
	if err != nil {
		return err
	}
	links, err := p.svc.ListInvites(ctx, pr, v.Org.ID)
	if err != nil {
		return err
	}
	v.Data = invitationsData{Invitations: invs.Items, Invites: links, Now: time.Now()}
	return nil
}

func (p *Portal) invite(c *gin.Context, v *view) error {
	n := app.NewInvitation{Email: strings.TrimSpace(c.PostForm("email")), Role: domain.Role(c.PostForm("role"))}
	if !n.Role.Assignable() {
		err := domain.InvalidField("role", "role must be one of admin, member, viewer: ownership is not given by invitation")
		if err := p.valid(c, v, domain.ActionInviteManage, err); err != nil {
			return err
		}
	}
	_, err := p.svc.CreateInvitation(c.Request.Context(), sessionOf(c).principal, v.Org.ID, n)
	return err
}

func (p *Portal) resendInvitation(c *gin.Context, v *view) error {
	_, err := p.svc.ResendInvitation(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "invitationId"))
	return err
}

func (p *Portal) revokeInvitation(c *gin.Context, v *view) error {
	return p.svc.RevokeInvitation(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "invitationId"))
}

// createInvite makes an invite link (role, expires_in such as 7d or 12h, max_uses) and shows
// it once: only its hash is kept.
func (p *Portal) createInvite(c *gin.Context, v *view) error {
	n := domain.NewInvite{Role: domain.Role(c.PostForm("role"))}
	var bad domain.Validation
	if s := strings.TrimSpace(c.PostForm("expires_in")); s != "" {
		d, ok := parseExpiresIn(s)
		if !ok {
			bad.Add("expires_in", "expires_in must be a duration such as 7d, 12h or 30m")
		}
		at := time.Now().Add(d)
		n.ExpiresAt = &at
	}
	if s := strings.TrimSpace(c.PostForm("max_uses")); s != "" {
		uses, err := strconv.Atoi(s)
		if err != nil {
			bad.Add("max_uses", "max_uses must be a whole number")
		}
		n.MaxUses = &uses
	}
	if err := p.valid(c, v, domain.ActionInviteManage, bad.Err()); err != nil {
		return err
	}
	_, code, err := p.svc.CreateInvite(c.Request.Context(), sessionOf(c).principal, v.Org.ID, n)
	if err != nil {
		return err
	}
	v.Once = newLink{URL: baseURL(c.Request) + "/portal/invitations/" + code}
	v.Notice = "Invite link created. Copy it now: it is shown only once."
	return nil
}

// parseExpiresIn reads a positive duration in days (7d) or Go's units (12h, 30m).
func parseExpiresIn(s string) (time.Duration, bool) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		return time.Duration(n) * 24 * time.Hour, err == nil && n > 0 && n <= 3650
	}
	d, err := time.ParseDuration(s)
	return d, err == nil && d > 0
}

// baseURL is the scheme and host the request was sent to.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (p *Portal) disableInvite(c *gin.Context, v *view) error {
	disabled := true
	_, err := p.svc.UpdateInvite(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "inviteId"), domain.InvitePatch{Disabled: &disabled})
	return err
}

// acceptData is an invitee's accept page: an email invitation's token or an invite link's code.
type acceptData struct {
	Token   string
	Preview app.InvitePreview
}

// preview reads what token joins: an email invitation's token first, else an invite link's
// code (both links lead to /portal/invitations/{token}).
func (p *Portal) preview(c *gin.Context, token string) (app.InvitePreview, bool, error) {
	pv, err := p.svc.PreviewInvitation(c.Request.Context(), sessionOf(c).principal, token)
	if !errors.Is(err, domain.ErrInvitationNotFound) {
		return pv, true, err
	}
	pv, err = p.svc.PreviewInvite(c.Request.Context(), token)
	return pv, false, err
}

func (p *Portal) acceptPage(c *gin.Context) {
	token := c.Param("token")
	pv, _, err := p.preview(c, token)
	if err != nil {
		p.fail(c, err)
		return
	}
	p.render(c, http.StatusOK, "invitation", view{Title: "Join " + pv.Organization.Name, Data: acceptData{Token: token, Preview: pv}})
}

// accept joins the organization through AcceptInvitation or AcceptInvite.
func (p *Portal) accept(c *gin.Context) {
	token := c.Param("token")
	pv, email, err := p.preview(c, token)
	if err == nil {
		if email {
			_, err = p.svc.AcceptInvitation(c.Request.Context(), sessionOf(c).principal, token)
		} else {
			_, err = p.svc.AcceptInvite(c.Request.Context(), sessionOf(c).principal, token)
		}
	}
	if err != nil {
		status, msg := p.describe(err)
		if pv.Organization.ID == 0 {
			p.renderError(c, status, msg)
			return
		}
		p.render(c, status, "invitation", view{Title: "Join " + pv.Organization.Name, Alert: msg, Data: acceptData{Token: token, Preview: pv}})
		return
	}
	c.Redirect(http.StatusSeeOther, orgHref(pv.Organization.ID, ""))
}
