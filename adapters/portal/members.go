package portal

import (
	"net/url"
	"strconv"
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
	Members     []domain.Member
	Q           string
	Total       int64 // the members q keeps
	Page, Pages int64
	Next, Prev  string // links of the neighbouring pages, keeping q; "" when none
}

// membersPageSize is how many members a page shows.
const membersPageSize = domain.DefaultPageSize

// loadMembers shows one page of the members (ListMembers), those whose email or name
// contains ?q= when it is given (the store searches, so every member can be found), at
// ?page=. A q the use case refuses is shown in place.
func (p *Portal) loadMembers(c *gin.Context, v *view) error {
	d := membersData{Q: strings.TrimSpace(c.Query("q")), Page: 1}
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n >= 1 && n <= domain.MaxPage {
		d.Page = int64(n)
	}
	q := domain.MemberQuery{Page: int(d.Page), PageSize: membersPageSize, Q: d.Q}
	page, err := p.svc.ListMembers(c.Request.Context(), sessionOf(c).principal, v.Org.ID, q)
	if domain.CodeOf(err) == domain.CodeValidation { // the caller may read: ListMembers authorizes first
		_, v.Alert = p.describe(err)
		v.Data = d
		return nil
	}
	if err != nil {
		return err
	}
	d.Members, d.Total, d.Pages = page.Items, page.Total, page.TotalPages()
	if d.Page < d.Pages {
		d.Next = d.href(v.Org.ID, d.Page+1)
	}
	if d.Page > 1 {
		d.Prev = d.href(v.Org.ID, d.Page-1)
	}
	v.Data = d
	return nil
}

// href links page n of the same search.
func (d membersData) href(orgID, n int64) string {
	query := url.Values{"page": {strconv.FormatInt(n, 10)}}
	if d.Q != "" {
		query.Set("q", d.Q)
	}
	return orgHref(orgID, "/members") + "?" + query.Encode()
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
