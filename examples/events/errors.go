package main

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/domain"
)

// codeEventSlugTaken is the host's own error code: orgkit's slug_taken is about
// organizations, and a client should tell the two apart.
const codeEventSlugTaken domain.Code = "event_slug_taken"

var errEventSlugTaken = &domain.Error{Code: codeEventSlugTaken, Message: "this organization already has an event with this slug"}

// hostStatus is the host's share of the error-to-status table: the codes orgkit's own table
// does not know (orgkit.WriteError would answer them with 500).
var hostStatus = map[domain.Code]int{codeEventSlugTaken: http.StatusConflict}

// writeError answers err in orgkit's envelope, {"error": {"code", "message", "details"?}}:
// the host's own codes with their status here, everything else through orgkit.WriteError
// (orgkit's codes, and a logged 500 internal_error for the rest).
func writeError(c *gin.Context, err error) {
	var de *domain.Error
	if errors.As(err, &de) {
		if status, ok := hostStatus[de.Code]; ok {
			c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": de.Code, "message": de.Message}})
			return
		}
	}
	orgkit.WriteError(c, err)
}
