package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

const wantTime = "an RFC 3339 timestamp such as 2030-01-02T15:04:05Z"

type inviteJSON struct {
	ID             int64       `json:"id"`
	OrganizationID int64       `json:"organization_id"`
	Code           string      `json:"code,omitempty"` // only in the create answer
	CodePrefix     string      `json:"code_prefix"`
	Role           domain.Role `json:"role"`
	ExpiresAt      *timestamp  `json:"expires_at"`
	MaxUses        *int        `json:"max_uses"`
	Uses           int         `json:"uses"`
	Disabled       bool        `json:"disabled"`
	Note           *string     `json:"note"`
	CreatedBy      int64       `json:"created_by"`
	CreatedAt      timestamp   `json:"created_at"`
	UpdatedAt      timestamp   `json:"updated_at"`
}

func toInviteJSON(i domain.Invite) inviteJSON {
	return inviteJSON{ID: i.ID, OrganizationID: i.OrganizationID, CodePrefix: i.CodePrefix, Role: i.Role,
		ExpiresAt: optionalTimestamp(i.ExpiresAt), MaxUses: i.MaxUses, Uses: i.Uses, Disabled: i.Disabled, Note: i.Note,
		CreatedBy: i.CreatedBy, CreatedAt: timestamp(i.CreatedAt), UpdatedAt: timestamp(i.UpdatedAt)}
}

type publicOrganizationJSON struct {
	ID           int64   `json:"id"`
	Name         string  `json:"name"`
	Slug         string  `json:"slug"`
	LogoURL      *string `json:"logo_url"`
	IconURL      *string `json:"icon_url"`
	LanguageCode *string `json:"language_code"`
}

func toPublicOrganizationJSON(o domain.PublicOrganization) publicOrganizationJSON {
	return publicOrganizationJSON(o)
}

// invitePreviewJSON is all an invite code tells its holder.
type invitePreviewJSON struct {
	Organization struct {
		ID      int64   `json:"id"`
		Name    string  `json:"name"`
		Slug    string  `json:"slug"`
		LogoURL *string `json:"logo_url"`
	} `json:"organization"`
	Role      domain.Role `json:"role"`
	ExpiresAt *timestamp  `json:"expires_at"`
}

func toInvitePreviewJSON(p app.InvitePreview) invitePreviewJSON {
	var out invitePreviewJSON
	out.Organization.ID, out.Organization.Name, out.Organization.Slug, out.Organization.LogoURL =
		p.Organization.ID, p.Organization.Name, p.Organization.Slug, p.Organization.LogoURL
	out.Role, out.ExpiresAt = p.Role, optionalTimestamp(p.ExpiresAt)
	return out
}

// inviteServerFields are set by the server: a body may not carry them.
var inviteServerFields = []string{"id", "organization_id", "code", "code_prefix", "uses", "created_by", "created_at", "updated_at"}

func (h *handlers) createInvite(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	var n domain.NewInvite
	in.body(func(o *object) {
		required(o, "role", wantString, &n.Role)
		n.ExpiresAt = ptr[time.Time](o, "expires_at", wantTime)
		n.MaxUses = ptr[int](o, "max_uses", wantInt)
		n.Note = ptr[string](o, "note", wantString)
		o.forbid("is set by the server", append([]string{"disabled"}, inviteServerFields...)...)
	})
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	inv, code, err := h.svc.CreateInvite(c.Request.Context(), principal(c), orgID, n)
	if err != nil {
		writeError(c, err)
		return
	}
	out := toInviteJSON(inv)
	out.Code = code
	c.JSON(http.StatusCreated, gin.H{"data": out})
}

func (h *handlers) listInvites(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	invs, err := h.svc.ListInvites(c.Request.Context(), principal(c), orgID)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]inviteJSON, 0, len(invs))
	for _, i := range invs {
		items = append(items, toInviteJSON(i))
	}
	c.JSON(http.StatusOK, gin.H{"data": items})
}

func (h *handlers) updateInvite(c *gin.Context) {
	in := newInput(c)
	orgID, id := in.orgAnd("inviteId")
	var p domain.InvitePatch
	in.body(func(o *object) {
		o.nonNull("disabled")
		p.Disabled = ptr[bool](o, "disabled", wantBool)
		p.Note = optional[string](o, "note", wantString)
		o.forbid("cannot be changed", append([]string{"role", "expires_at", "max_uses"}, inviteServerFields...)...)
	})
	if !h.checked(in, orgID, domain.ActionInviteManage) {
		return
	}
	inv, err := h.svc.UpdateInvite(c.Request.Context(), principal(c), orgID, id, p)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toInviteJSON(inv)})
}

// previewInvite answers GET /v1/public/invites/{code} without authentication.
func (h *handlers) previewInvite(c *gin.Context) {
	if !h.checked(newInput(c), 0, "") {
		return
	}
	p, err := h.svc.PreviewInvite(c.Request.Context(), c.Param("code"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "no-store") // an invite's state changes as it is used
	c.JSON(http.StatusOK, gin.H{"data": toInvitePreviewJSON(p)})
}

func (h *handlers) acceptInvite(c *gin.Context) {
	if !h.checked(newInput(c), 0, "") {
		return
	}
	m, err := h.svc.AcceptInvite(c.Request.Context(), principal(c), c.Param("code"))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, joinedJSON(m))
}
