package portal

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerMembers(g *gin.RouterGroup) {
	g.GET("/organizations/:id/members", p.show(membersPage))
	g.POST("/organizations/:id/members/:userId/role", p.act(membersPage, p.changeRole))
	g.POST("/organizations/:id/members/:userId/remove", p.act(membersPage, p.removeMember))
}

var membersPage = orgPage{name: "members", suffix: "/members", load: (*Portal).loadMembers}

type membersData struct {
	Members []domain.Member
	Q       string
	Total   int64
}

// loadMembers lists the members (ListMembers, as many as a page holds), those whose email or
// name contains ?q= when it is given.
func (p *Portal) loadMembers(c *gin.Context, v *view) error {
	pr := sessionOf(c).principal
	page, err := p.svc.ListMembers(c.Request.Context(), pr, v.Org.ID, domain.MemberQuery{PageSize: domain.MaxPageSize})
	if err != nil {
		return err
	}
	q := strings.TrimSpace(c.Query("q"))
	d := membersData{Q: q, Total: page.Total}
	for _, m := range page.Items {
		if q == "" || contains(m.Email, q) || contains(m.Name, q) {
			d.Members = append(d.Members, m)
		}
	}
	v.Data = d
	return nil
}

func contains(s *string, q string) bool {
	return s != nil && strings.Contains(strings.ToLower(*s), strings.ToLower(q))
}

func (p *Portal) changeRole(c *gin.Context, v *view) error {
	role := domain.Role(c.PostForm("role"))
	if err := p.valid(c, v, domain.ActionMemberManage, domain.ValidateRole("role", role)); err != nil {
		return err
	}
	_, err := p.svc.UpdateMemberRole(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "userId"), role)
	return err
}

func (p *Portal) removeMember(c *gin.Context, v *view) error {
	return p.svc.RemoveMember(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "userId"))
}

// valid returns the authorization error of action when the caller may not do it, else bad:
// as in the API, a caller who may not act learns nothing about what was wrong with the form.
func (p *Portal) valid(c *gin.Context, v *view, action domain.Action, bad error) error {
	if bad == nil {
		return nil
	}
	if _, _, err := p.svc.Authorize(c.Request.Context(), sessionOf(c).principal, v.Org.ID, action); err != nil {
		return err
	}
	return bad
}
