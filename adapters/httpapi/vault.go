package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

type apiKeyJSON struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Service   string    `json:"service"`
	APIKey    *string   `json:"api_key,omitempty"` // only in the reveal
	Last4     string    `json:"api_key_last4"`
	CreatedAt timestamp `json:"created_at"`
	UpdatedAt timestamp `json:"updated_at"`
}

func toAPIKeyJSON(k domain.APIKey) apiKeyJSON {
	return apiKeyJSON{ID: k.ID, Title: k.Title, Service: k.Service, Last4: k.Last4,
		CreatedAt: timestamp(k.CreatedAt), UpdatedAt: timestamp(k.UpdatedAt)}
}

func (h *handlers) revealAPIKeys(c *gin.Context) {
	c.Header("Cache-Control", "no-store") // on errors too: nothing on this path may be cached
	in := newInput(c)
	orgID, _ := in.orgAnd("keyId")
	if !h.checked(in, orgID, domain.ActionVaultReveal) {
		return
	}
	keys, quota, err := h.svc.RevealAPIKeys(c.Request.Context(), principal(c), orgID)
	if err != nil {
		writeError(c, err)
		return
	}
	setQuotaHeaders(c, quota)
	out := make([]apiKeyJSON, 0, len(keys))
	for _, k := range keys {
		j := toAPIKeyJSON(k.APIKey)
		j.APIKey = &k.Plaintext
		out = append(out, j)
	}
	c.JSON(http.StatusOK, gin.H{"data": out})
}

func (h *handlers) createAPIKey(c *gin.Context) {
	in := newInput(c)
	orgID, _ := in.orgAnd("keyId")
	var key app.NewAPIKey
	in.body(func(o *object) {
		required(o, "title", wantString, &key.Title)
		required(o, "service", wantString, &key.Service)
		required(o, "api_key", wantString, &key.Secret)
		o.forbid("is set by the server", "id", "api_key_last4", "created_at", "updated_at")
	})
	if !h.checked(in, orgID, domain.ActionVaultManage) {
		return
	}
	k, err := h.svc.CreateAPIKey(c.Request.Context(), principal(c), orgID, key)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": toAPIKeyJSON(k)})
}

func (h *handlers) updateAPIKey(c *gin.Context) {
	in := newInput(c)
	orgID, keyID := in.orgAnd("keyId")
	var patch app.APIKeyPatch
	in.body(func(o *object) {
		o.nonNull("title", "service", "api_key")
		patch = app.APIKeyPatch{
			Title:   ptr[string](o, "title", wantString),
			Service: ptr[string](o, "service", wantString),
			Secret:  ptr[string](o, "api_key", wantString),
		}
		o.forbid("cannot be changed", "id", "api_key_last4", "created_at", "updated_at")
	})
	if !h.checked(in, orgID, domain.ActionVaultManage) {
		return
	}
	k, err := h.svc.UpdateAPIKey(c.Request.Context(), principal(c), orgID, keyID, patch)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toAPIKeyJSON(k)})
}

func (h *handlers) deleteAPIKey(c *gin.Context) {
	in := newInput(c)
	orgID, keyID := in.orgAnd("keyId")
	if !h.checked(in, orgID, domain.ActionVaultManage) {
		return
	}
	if err := h.svc.DeleteAPIKey(c.Request.Context(), principal(c), orgID, keyID); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
