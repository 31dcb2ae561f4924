package httpapi

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/ports"
)

// observe, deferred by the prelude, counts and times the request by its route template
// (never its path: "" when no route matched), method and status.
func observe(m ports.Metrics, c *gin.Context, start time.Time) {
	m.HTTPRequest(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
}
