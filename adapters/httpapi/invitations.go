package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

type invitationJSON struct {
	ID             int64                   `json:"id"`
	OrganizationID int64                   `json:"organization_id"`
	Email          string                  `json:"email"`
	Role           domain.Role             `json:"role"`
	Status         domain.InvitationStatus `json:"status"`
	InvitedBy      *int64                  `json:"invited_by"` // null: an operator (`orgkit init`)
	ExpiresAt      timestamp               `json:"expires_at"`
	AcceptedAt     *timestamp              `json:"accepted_at"`
	CreatedAt      timestamp               `json:"created_at"`
	UpdatedAt      timestamp               `json:"updated_at"`
}

func inviterJSON(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toInvitationJSON(i domain.Invitation) invitationJSON {
	return invitationJSON{ID: i.ID, OrganizationID: i.OrganizationID, Email: i.Email, Role: i.Role, Status: i.Status,
		InvitedBy: inviterJSON(i.InvitedBy), ExpiresAt: timestamp(i.ExpiresAt), AcceptedAt: optionalTimestamp(i.AcceptedAt),
		CreatedAt: timestamp(i.CreatedAt), UpdatedAt: timestamp(i.UpdatedAt)}
}

func (h *handlers) createInvitation(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	var n app.NewInvitation
	in.body(func(o *object) {
		required(o, "email", wantString, &n.Email)
		if decode(o, "role", wantString, &n.Role) && !n.Role.Assignable() {
			o.invalid("role", "role must be one of admin, member, viewer: ownership is not given by invitation")
		}
		o.forbid("is set by the server", "id", "organization_id", "status", "invited_by", "expires_at", "accepted_at", "created_at", "updated_at")
	})
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	inv, err := h.svc.CreateInvitation(c.Request.Context(), principal(c), orgID, n)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": toInvitationJSON(inv)})
}

func (h *handlers) listInvitations(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	q := domain.InvitationQuery{
		Page:     in.queryInt("page", 1, 1, domain.MaxPage),
		PageSize: in.queryInt("page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
	}
	if s, ok := c.GetQuery("status"); ok {
		st := domain.InvitationStatus(s)
		if !st.Valid() {
			in.v.Add("status", "status must be one of pending, accepted, revoked, expired")
		}
		q.Status = &st
	}
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	page, err := h.svc.ListInvitations(c.Request.Context(), principal(c), orgID, q)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]invitationJSON, 0, len(page.Items))
	for _, i := range page.Items {
		items = append(items, toInvitationJSON(i))
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": toPageMeta(page)})
}

func (h *handlers) resendInvitation(c *gin.Context) {
	in := newInput(c)
	orgID, id := in.orgAnd("invitationId")
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	inv, err := h.svc.ResendInvitation(c.Request.Context(), principal(c), orgID, id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toInvitationJSON(inv)})
}

func (h *handlers) revokeInvitation(c *gin.Context) {
	in := newInput(c)
	orgID, id := in.orgAnd("invitationId")
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	noContent(c, h.svc.RevokeInvitation(c.Request.Context(), principal(c), orgID, id))
}

func (h *handlers) acceptInvitation(c *gin.Context) {
	if !h.checked(newInput(c), 0, "") {
		return
	}
	m, err := h.svc.AcceptInvitation(c.Request.Context(), principal(c), c.Param("token"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, joinedJSON(m))
}

type statsJSON struct {
	Organizations      map[domain.Status]int64 `json:"organizations"`
	OrganizationsTotal int64                   `json:"organizations_total"`
	Users              int64                   `json:"users"`
	Memberships        int64                   `json:"memberships"`
	VerifiedDomains    int64                   `json:"verified_domains"`
	PendingInvitations int64                   `json:"pending_invitations"`
}

func (h *handlers) stats(c *gin.Context) {
	if !h.checked(newInput(c), 0, "") {
		return
	}
	st, err := h.svc.Stats(c.Request.Context(), principal(c))
	if err != nil {
		writeError(c, err)
		return
	}
	out := statsJSON{Organizations: map[domain.Status]int64{}, Users: st.Users, Memberships: st.Memberships,
		VerifiedDomains: st.VerifiedDomains, PendingInvitations: st.PendingInvitations}
	for _, s := range []domain.Status{domain.StatusActive, domain.StatusSuspended, domain.StatusArchived} {
		out.Organizations[s] = st.OrganizationsByStatus[s]
		out.OrganizationsTotal += st.OrganizationsByStatus[s]
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}
