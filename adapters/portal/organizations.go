package portal

import (
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerOrganizations(g *gin.RouterGroup) {
	g.GET("/", p.switcher)
	g.POST("/organizations", p.createOrganization)
	g.POST("/organizations/:id/status", p.setStatus)
	g.GET("/organizations/:id", p.show(profilePage))
	g.POST("/organizations/:id/profile", p.act(profilePage, p.updateProfile))
	for _, slot := range []domain.ImageSlot{domain.ImageLogo, domain.ImageIcon} {
		g.POST("/organizations/:id/"+string(slot), p.act(profilePage, p.uploadImage(slot)))
		g.POST("/organizations/:id/"+string(slot)+"/delete", p.act(profilePage, p.removeImage(slot)))
	}
}

var profilePage = orgPage{name: "profile", load: func(*Portal, *gin.Context, *view) error { return nil }}

// switcherData is the organization switcher: the caller's organizations (superadmins: all).
type switcherData struct {
	Orgs           []domain.Organization
	Name, Slug     string // the create form, kept after an error
	CanCreate      bool
	CanSetStatuses bool
}

func (p *Portal) switcherView(c *gin.Context) view {
	s := sessionOf(c)
	can := func(a domain.Action) bool { return p.svc.Can(s.principal, a, "") }
	orgs := p.switcherOrgs(c)
	return view{Title: "Organizations", Orgs: orgs, can: can, Data: switcherData{Orgs: orgs,
		CanCreate: can(domain.ActionOrgCreate), CanSetStatuses: can(domain.ActionOrgSetStatus)}}
}

func (p *Portal) switcher(c *gin.Context) {
	p.render(c, http.StatusOK, "switcher", p.switcherView(c))
}

// createOrganization is the superadmin's create form: name and slug.
func (p *Portal) createOrganization(c *gin.Context) {
	in := domain.NewOrganization{Name: strings.TrimSpace(c.PostForm("name")), Slug: strings.TrimSpace(c.PostForm("slug"))}
	org, err := p.svc.CreateOrganization(c.Request.Context(), sessionOf(c).principal, in)
	if err != nil {
		v := p.switcherView(c)
		d := v.Data.(switcherData)
		d.Name, d.Slug = in.Name, in.Slug
		v.Data = d
		status, msg := p.describe(err)
		v.Alert = msg
		p.render(c, status, "switcher", v)
		return
	}
	c.Redirect(http.StatusSeeOther, orgHref(org.ID, ""))
}

// setStatus is the superadmin's suspend/activate form (organization.set_status).
func (p *Portal) setStatus(c *gin.Context) {
	id := pathID(c, "id")
	st := domain.Status(c.PostForm("status"))
	if st != domain.StatusActive && st != domain.StatusSuspended {
		p.renderSwitcherError(c, domain.InvalidField("status", "status must be active or suspended"))
		return
	}
	_, err := p.svc.UpdateOrganization(c.Request.Context(), sessionOf(c).principal, id, domain.OrganizationPatch{Status: domain.Some(st)})
	if err != nil {
		p.renderSwitcherError(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/portal/")
}

func (p *Portal) renderSwitcherError(c *gin.Context, err error) {
	v := p.switcherView(c)
	status, msg := p.describe(err)
	v.Alert = msg
	p.render(c, status, "switcher", v)
}

// profileFields are the profile form's text fields; an empty one clears the field.
var profileFields = []string{"tagline", "description", "email", "phone", "website", "location"}

func (p *Portal) updateProfile(c *gin.Context, v *view) error {
	patch := domain.OrganizationPatch{Name: domain.Some(strings.TrimSpace(c.PostForm("name")))}
	dst := map[string]*domain.Optional[string]{"tagline": &patch.Tagline, "description": &patch.Description,
		"email": &patch.Email, "phone": &patch.Phone, "website": &patch.Website, "location": &patch.Location}
	for _, f := range profileFields {
		if val, ok := c.GetPostForm(f); ok {
			if val = strings.TrimSpace(val); val == "" {
				*dst[f] = domain.Optional[string]{Set: true}
			} else {
				*dst[f] = domain.Some(val)
			}
		}
	}
	_, err := p.svc.UpdateOrganization(c.Request.Context(), sessionOf(c).principal, v.Org.ID, patch)
	return err
}

// uploadImage stores the multipart file field named after slot (logo, icon).
func (p *Portal) uploadImage(slot domain.ImageSlot) func(*gin.Context, *view) error {
	return func(c *gin.Context, v *view) error {
		ctx, pr := c.Request.Context(), sessionOf(c).principal
		// Authorized before the file is read, as the API does.
		if _, _, err := p.svc.Authorize(ctx, pr, v.Org.ID, domain.ActionOrgUpdate); err != nil {
			return err
		}
		f, _, err := c.Request.FormFile(string(slot))
		if err != nil {
			return domain.InvalidField(string(slot), "choose an image file to upload")
		}
		defer f.Close()
		data, err := io.ReadAll(io.LimitReader(f, domain.MaxImageBytes+1))
		if err != nil {
			return err
		}
		_, err = p.svc.SetOrganizationImage(ctx, pr, v.Org.ID, slot, data)
		return err
	}
}

func (p *Portal) removeImage(slot domain.ImageSlot) func(*gin.Context, *view) error {
	return func(c *gin.Context, v *view) error {
		_, err := p.svc.RemoveOrganizationImage(c.Request.Context(), sessionOf(c).principal, v.Org.ID, slot)
		return err
	}
}
