package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

const (
	wantString = "a string"
	wantInt    = "an integer"
	wantBool   = "a boolean"
	wantObject = "a JSON object"
)

// immutable fields may appear in neither create nor update bodies.
var immutable = []string{"id", "members_count", "created_at", "updated_at"}

func (h *handlers) listOrganizations(c *gin.Context) {
	q, err := organizationQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	page, err := h.svc.ListOrganizations(c.Request.Context(), principal(c), q)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]organizationJSON, 0, len(page.Items))
	for _, o := range page.Items {
		items = append(items, toOrganizationJSON(o))
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": pageMeta{
		Page: page.Page, PageSize: page.PageSize, Total: page.Total, TotalPages: page.TotalPages(),
	}})
}

func (h *handlers) getOrganization(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	org, err := h.svc.GetOrganization(c.Request.Context(), principal(c), id)
	respond(c, http.StatusOK, org, err)
}

func (h *handlers) getOrganizationBySlug(c *gin.Context) {
	org, err := h.svc.GetOrganizationBySlug(c.Request.Context(), principal(c), c.Param("slug"))
	respond(c, http.StatusOK, org, err)
}

func (h *handlers) createOrganization(c *gin.Context) {
	if !principal(c).Can(domain.ActionOrgCreate, "") {
		writeError(c, domain.ErrForbidden) // before reading the body: non-superadmins learn nothing
		return
	}
	var in app.NewOrganization
	if !bind(c, func(o *object) { in = readNewOrganization(o) }) {
		return
	}
	org, err := h.svc.CreateOrganization(c.Request.Context(), principal(c), in)
	respond(c, http.StatusCreated, org, err)
}

func (h *handlers) updateOrganization(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var patch domain.OrganizationPatch
	if !bind(c, func(o *object) { patch = readOrganizationPatch(o) }) {
		return
	}
	org, err := h.svc.UpdateOrganization(c.Request.Context(), principal(c), id, patch)
	respond(c, http.StatusOK, org, err)
}

func (h *handlers) deleteOrganization(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	if err := h.svc.DeleteOrganization(c.Request.Context(), principal(c), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) connectUser(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var email string
	if !bind(c, func(o *object) { required(o, "email", wantString, &email) }) {
		return
	}
	m, quota, err := h.svc.ConnectUser(c.Request.Context(), principal(c), id, email)
	if err != nil {
		writeError(c, err)
		return
	}
	setQuotaHeaders(c, quota)
	c.JSON(http.StatusOK, gin.H{"data": gin.H{
		"user_id": m.UserID, "organization_id": m.OrganizationID, "role": m.Role,
		"message": "User connected successfully",
	}})
}

func respond(c *gin.Context, status int, org domain.Organization, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(status, gin.H{"data": toOrganizationJSON(org)})
}

func readNewOrganization(body *object) app.NewOrganization {
	var in app.NewOrganization
	o := &in.Organization
	required(body, "name", wantString, &o.Name)
	required(body, "slug", wantString, &o.Slug)
	o.Tagline, o.Description = ptr[string](body, "tagline", wantString), ptr[string](body, "description", wantString)
	o.Email, o.Phone = ptr[string](body, "email", wantString), ptr[string](body, "phone", wantString)
	o.Website, o.Location = ptr[string](body, "website", wantString), ptr[string](body, "location", wantString)
	o.LogoURL, o.IconURL = ptr[string](body, "logo_url", wantString), ptr[string](body, "icon_url", wantString)
	o.LanguageCode = ptr[string](body, "language_code", wantString)
	o.TemplateTermsID = ptr[int64](body, "template_terms_id", wantInt)
	o.TemplatePolicyID = ptr[int64](body, "template_policy_id", wantInt)
	if s := body.sub("settings"); s != nil {
		sp := readSettings(s)
		in.Settings = &sp
	}
	decode(body, "metadata", wantObject, &in.Metadata)
	body.forbid("is set by the server", append([]string{"status"}, immutable...)...)
	return in
}

func readSettings(s *object) domain.SettingsPatch {
	s.nonNull("allow_public_signup", "require_email_verification", "default_role")
	p := domain.SettingsPatch{
		AllowPublicSignup:        ptr[bool](s, "allow_public_signup", wantBool),
		RequireEmailVerification: ptr[bool](s, "require_email_verification", wantBool),
		DefaultRole:              ptr[domain.Role](s, "default_role", wantString),
	}
	s.rejectUnknown()
	return p
}

func readOrganizationPatch(body *object) domain.OrganizationPatch {
	body.nonNull("name", "status", "settings")
	p := domain.OrganizationPatch{
		Name:             optional[string](body, "name", wantString),
		Tagline:          optional[string](body, "tagline", wantString),
		Description:      optional[string](body, "description", wantString),
		Email:            optional[string](body, "email", wantString),
		Phone:            optional[string](body, "phone", wantString),
		Website:          optional[string](body, "website", wantString),
		Location:         optional[string](body, "location", wantString),
		LogoURL:          optional[string](body, "logo_url", wantString),
		IconURL:          optional[string](body, "icon_url", wantString),
		LanguageCode:     optional[string](body, "language_code", wantString),
		TemplateTermsID:  optional[int64](body, "template_terms_id", wantInt),
		TemplatePolicyID: optional[int64](body, "template_policy_id", wantInt),
		Status:           optional[domain.Status](body, "status", wantString),
		Metadata:         optional[domain.Metadata](body, "metadata", wantObject),
	}
	if s := body.sub("settings"); s != nil {
		p.Settings = readSettings(s)
	}
	body.forbid("cannot be changed", append([]string{"slug"}, immutable...)...)
	return p
}
