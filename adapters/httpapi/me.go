package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

func (h *handlers) me(c *gin.Context) {
	me, err := h.svc.Me(c.Request.Context(), principal(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toMeJSON(me)})
}

func (h *handlers) switchOrganization(c *gin.Context) {
	var v domain.Validation
	body, err := readObject(c, &v)
	if err != nil {
		writeError(c, err)
		return
	}
	var id int64
	required(body, "organization_id", wantInt, &id)
	body.rejectUnknown()
	if err := v.Err(); err != nil {
		writeError(c, err)
		return
	}
	if id <= 0 {
		writeError(c, domain.InvalidField("organization_id", "organization_id must be a positive integer"))
		return
	}
	me, err := h.svc.SwitchOrganization(c.Request.Context(), principal(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toMeJSON(me)})
}
