package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"
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
	var id int64
	if !bind(c, func(o *object) {
		required(o, "organization_id", wantInt, &id)
		if id < 0 || (id == 0 && o.v.Err() == nil) {
			o.invalid("organization_id", "organization_id must be a positive integer")
		}
	}) {
		return
	}
	me, err := h.svc.SwitchOrganization(c.Request.Context(), principal(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toMeJSON(me)})
}
