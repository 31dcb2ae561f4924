package main

import (
	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// orgFromPath makes the organization in the path (:id) the one orgkit's OrganizationContext
// and Require act in. They read it from X-Organization-ID (the frontend's choice of the
// organization a request acts in), so the path's id replaces whatever that header said: a
// caller cannot reach one organization's events by naming another in the header. A
// malformed id is answered 400 validation_error as orgkit's own /v1/organizations/:id
// routes answer it, since there is no organization to authorize against.
func orgFromPath(c *gin.Context) {
	id := c.Param("id")
	if !isID(id) {
		writeError(c, domain.InvalidField("id", "id must be a positive integer written in decimal digits"))
		return
	}
	c.Request.Header.Set("X-Organization-ID", id)
	c.Next()
}

// isID reports a positive id written as plain decimal digits that fits in 63 bits ("+4" and
// "04" are not id 4).
func isID(s string) bool {
	if s == "" || len(s) > 19 || s[0] < '1' || s[0] > '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) < 19 || s <= "9223372036854775807"
}
