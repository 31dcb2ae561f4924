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
	in := newInput(c)
	var id int64
	in.body(func(o *object) {
		if required(o, "organization_id", wantInt, &id) && id <= 0 {
			o.invalid("organization_id", "organization_id must be a positive integer")
		}
	})
	if !h.checked(in, 0, "") {
		return
	}
	me, err := h.svc.SwitchOrganization(c.Request.Context(), principal(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toMeJSON(me)})
}
