package httpapi

import (
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

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
	in := newInput(c)
	q := organizationQuery(in)
	if !h.checked(in, 0, "") {
		return
	}
	page, err := h.svc.ListOrganizations(c.Request.Context(), principal(c), q)
	if err != nil {
		writeError(c, err)
		return
	}
	body, err := organizationsBody(page.Items, toCursorPageMeta(page))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, jsonContentType, body)
}

// jsonContentType is what gin's c.JSON sends.
const jsonContentType = "application/json; charset=utf-8"

// organizationQuery reads the list parameters of GET /v1/organizations; the app checks
// their bounds again for library callers.
func organizationQuery(in *input) domain.OrganizationQuery {
	q := domain.OrganizationQuery{
		Page:     in.queryInt("page", 1, 1, domain.MaxPage),
		PageSize: in.queryInt("page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
		Search:   in.c.Query("q"),
	}
	if utf8.RuneCountInString(q.Search) > domain.SearchMax {
		in.v.Add("q", "q must be at most %d characters", domain.SearchMax)
	}
	srt, err := domain.ParseSort(in.c.Query("sort"))
	in.v.Merge(err)
	q.Sort = srt
	if s, ok := in.c.GetQuery("cursor"); ok {
		cur, err := domain.ParseCursor(s)
		in.v.Merge(err)
		q.After = &cur
		if _, given := in.c.GetQuery("page"); given {
			in.v.Add("page", "page cannot be combined with cursor")
		}
	}
	if s, ok := in.c.GetQuery("status"); ok {
		st := domain.Status(s)
		if !st.Valid() {
			in.v.Add("status", "status must be one of active, suspended, archived")
		}
		q.Status = &st
	}
	return q
}

func (h *handlers) getOrganization(c *gin.Context) {
	in := newInput(c)
	id := in.orgID()
	if !h.checked(in, id, domain.ActionOrgRead) {
		return
	}
	org, err := h.svc.GetOrganization(c.Request.Context(), principal(c), id)
	respond(c, http.StatusOK, org, err)
}

func (h *handlers) getOrganizationBySlug(c *gin.Context) {
	if !h.checked(newInput(c), 0, "") {
		return
	}
	org, err := h.svc.GetOrganizationBySlug(c.Request.Context(), principal(c), c.Param("slug"))
	respond(c, http.StatusOK, org, err)
}

func (h *handlers) createOrganization(c *gin.Context) {
	in := newInput(c)
	var org domain.NewOrganization
	in.body(func(o *object) { org = readNewOrganization(o) })
	if !h.checked(in, 0, domain.ActionOrgCreate) {
		return
	}
	created, err := h.svc.CreateOrganization(c.Request.Context(), principal(c), org)
	respond(c, http.StatusCreated, created, err)
}

func (h *handlers) updateOrganization(c *gin.Context) {
	in := newInput(c)
	id := in.orgID()
	var patch domain.OrganizationPatch
	in.body(func(o *object) { patch = readOrganizationPatch(o) })
	if !h.checked(in, id, domain.ActionOrgUpdate) {
		return
	}
	org, err := h.svc.UpdateOrganization(c.Request.Context(), principal(c), id, patch)
	respond(c, http.StatusOK, org, err)
}

func (h *handlers) deleteOrganization(c *gin.Context) {
	in := newInput(c)
	id := in.orgID()
	if !h.checked(in, id, domain.ActionOrgDelete) {
		return
	}
	if err := h.svc.DeleteOrganization(c.Request.Context(), principal(c), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) connectUser(c *gin.Context) {
	in := newInput(c)
	id := in.orgID()
	var email string
	var role domain.Role
	in.body(func(o *object) {
		required(o, "email", wantString, &email)
		if decode(o, "role", wantString, &role) {
			o.v.Merge(domain.ValidateRole("role", role))
		}
	})
	if !h.checked(in, id, domain.ActionMemberConnect) {
		return
	}
	m, quota, err := h.svc.ConnectUser(c.Request.Context(), principal(c), id, email, role)
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
	body, err := organizationBody(org)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(status, jsonContentType, body)
}

func readNewOrganization(body *object) domain.NewOrganization {
	var o domain.NewOrganization
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
		o.Settings = readSettings(s)
	}
	decode(body, "metadata", wantObject, &o.Metadata)
	body.forbid("is set by the server", append([]string{"status"}, immutable...)...)
	return o
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
