package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

type memberJSON struct {
	UserID   int64       `json:"user_id"`
	Email    *string     `json:"email"`
	Name     *string     `json:"name"`
	Role     domain.Role `json:"role"`
	JoinedAt timestamp   `json:"joined_at"`
}

func toMemberJSON(m domain.Member) memberJSON {
	return memberJSON{UserID: m.UserID, Email: m.Email, Name: m.Name, Role: m.Role, JoinedAt: timestamp(m.JoinedAt)}
}

// joinedJSON answers the ways a caller joins an organization themselves (invite link,
// invitation, email domain).
func joinedJSON(m domain.Membership) gin.H {
	return gin.H{"data": gin.H{"organization_id": m.OrganizationID, "role": m.Role}}
}

func (h *handlers) listMembers(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	q := domain.MemberQuery{
		Page:     in.queryInt("page", 1, 1, domain.MaxPage),
		PageSize: in.queryInt("page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
		Q:        strings.TrimSpace(c.Query("q")),
	}
	in.v.Merge(domain.ValidateSearch("q", q.Q))
	if r, ok := c.GetQuery("role"); ok {
		role := domain.Role(r)
		in.v.Merge(domain.ValidateRole("role", role))
		q.Role = &role
	}
	if !h.checked(in, orgID, domain.ActionMemberRead) {
		return
	}
	page, err := h.svc.ListMembers(c.Request.Context(), principal(c), orgID, q)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]memberJSON, 0, len(page.Items))
	for _, m := range page.Items {
		items = append(items, toMemberJSON(m))
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": toPageMeta(page)})
}

func (h *handlers) addMember(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	var userID int64
	var role domain.Role
	in.body(func(o *object) {
		if required(o, "user_id", wantInt, &userID) && userID <= 0 {
			o.invalid("user_id", "user_id must be a positive integer")
		}
		if decode(o, "role", wantString, &role) {
			o.v.Merge(domain.ValidateRole("role", role))
		}
	})
	if !h.checked(in, orgID, domain.ActionMemberManage) {
		return
	}
	m, err := h.svc.AddMember(c.Request.Context(), principal(c), orgID, userID, role)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": toMemberJSON(m)})
}

func (h *handlers) updateMember(c *gin.Context) {
	in := newInput(c)
	orgID, userID := in.orgAnd("userId")
	var role domain.Role
	in.body(func(o *object) {
		if required(o, "role", wantString, &role) {
			o.v.Merge(domain.ValidateRole("role", role))
		}
	})
	if !h.checked(in, orgID, domain.ActionMemberManage) {
		return
	}
	m, err := h.svc.UpdateMemberRole(c.Request.Context(), principal(c), orgID, userID, role)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toMemberJSON(m)})
}

func (h *handlers) removeMember(c *gin.Context) {
	in := newInput(c)
	orgID, userID := in.orgAnd("userId")
	if !h.checked(in, orgID, domain.ActionMemberManage) {
		return
	}
	noContent(c, h.svc.RemoveMember(c.Request.Context(), principal(c), orgID, userID))
}

func (h *handlers) leaveOrganization(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	if !h.checked(in, orgID, domain.ActionOrgRead) {
		return
	}
	noContent(c, h.svc.LeaveOrganization(c.Request.Context(), principal(c), orgID))
}

func (h *handlers) joinOrganization(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	if !h.checked(in, 0, "") {
		return
	}
	m, err := h.svc.JoinOrganization(c.Request.Context(), principal(c), orgID)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, joinedJSON(m))
}

func (h *handlers) suggestedOrganizations(c *gin.Context) {
	if !h.checked(newInput(c), 0, "") {
		return
	}
	orgs, err := h.svc.SuggestedOrganizations(c.Request.Context(), principal(c))
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]publicOrganizationJSON, 0, len(orgs))
	for _, o := range orgs {
		items = append(items, toPublicOrganizationJSON(o.Public()))
	}
	c.JSON(http.StatusOK, gin.H{"data": items})
}

// noContent answers 204, or err.
func noContent(c *gin.Context, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
