package portal

import (
	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerAPIKeys(g *gin.RouterGroup) {
	g.GET("/organizations/:id/api-keys", p.show(apiKeysPage))
	g.POST("/organizations/:id/api-keys", p.act(apiKeysPage, p.createAPIKey))
	g.POST("/organizations/:id/api-keys/:keyId/rotate", p.act(apiKeysPage, p.rotateAPIKey))
	g.POST("/organizations/:id/api-keys/:keyId/delete", p.act(apiKeysPage, p.deleteAPIKey))
	g.GET("/organizations/:id/api-keys/:keyId/reveal", p.show(orgPage{name: "api-keys", suffix: "/api-keys", load: (*Portal).loadRevealConfirm}))
	g.POST("/organizations/:id/api-keys/:keyId/reveal", p.act(apiKeysPage, p.revealAPIKey))
}

var apiKeysPage = orgPage{name: "api-keys", suffix: "/api-keys", load: (*Portal).loadAPIKeys}

type apiKeysData struct {
	Keys    []domain.APIKey
	Confirm *domain.APIKey // the key whose reveal asks for confirmation
}

// revealed is a key's secret, shown once after the confirmed (and audited) reveal.
type revealed struct {
	Key    domain.APIKey
	Secret string
}

func (p *Portal) loadAPIKeys(c *gin.Context, v *view) error {
	keys, err := p.svc.ListAPIKeys(c.Request.Context(), sessionOf(c).principal, v.Org.ID)
	v.Data = apiKeysData{Keys: keys}
	return err
}

// loadRevealConfirm is the API keys page asking to confirm the reveal of the path's key.
func (p *Portal) loadRevealConfirm(c *gin.Context, v *view) error {
	if err := p.loadAPIKeys(c, v); err != nil {
		return err
	}
	d := v.Data.(apiKeysData)
	id := pathID(c, "keyId")
	for i := range d.Keys {
		if d.Keys[i].ID == id {
			d.Confirm = &d.Keys[i]
		}
	}
	if d.Confirm == nil {
		return domain.ErrAPIKeyNotFound
	}
	if !v.Can(string(domain.ActionVaultReveal)) {
		return domain.ErrForbidden
	}
	v.Data = d
	return nil
}

func (p *Portal) createAPIKey(c *gin.Context, v *view) error {
	in := app.NewAPIKey{Title: c.PostForm("title"), Service: c.PostForm("service"), Secret: c.PostForm("api_key")}
	_, err := p.svc.CreateAPIKey(c.Request.Context(), sessionOf(c).principal, v.Org.ID, in)
	return err
}

// rotateAPIKey replaces a key's secret with the form's api_key.
func (p *Portal) rotateAPIKey(c *gin.Context, v *view) error {
	secret := c.PostForm("api_key")
	_, err := p.svc.UpdateAPIKey(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "keyId"), app.APIKeyPatch{Secret: &secret})
	return err
}

func (p *Portal) deleteAPIKey(c *gin.Context, v *view) error {
	return p.svc.DeleteAPIKey(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "keyId"))
}

// revealAPIKey reveals the organization's keys (RevealAPIKeys: audited, rate limited) and
// shows the path's key once.
func (p *Portal) revealAPIKey(c *gin.Context, v *view) error {
	c.Header("Cache-Control", "no-store")
	keys, _, err := p.svc.RevealAPIKeys(c.Request.Context(), sessionOf(c).principal, v.Org.ID)
	if err != nil {
		return err
	}
	id := pathID(c, "keyId")
	for _, k := range keys {
		if k.ID == id {
			v.Once = revealed{Key: k.APIKey, Secret: k.Plaintext}
			return nil
		}
	}
	return domain.ErrAPIKeyNotFound
}
