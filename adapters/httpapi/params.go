package httpapi

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// pathID parses a positive integer path parameter.
func pathID(c *gin.Context, name string) (int64, error) {
	n, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, domain.InvalidField(name, "%s must be a positive integer", name)
	}
	return n, nil
}

// queryInt parses an optional integer query parameter within [min, max].
func queryInt(c *gin.Context, v *domain.Validation, name string, def, min, max int) int {
	s, ok := c.GetQuery(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		v.Add(name, "%s must be an integer from %d to %d", name, min, max)
		return def
	}
	return n
}

// organizationQuery parses the list parameters of GET /v1/organizations.
func organizationQuery(c *gin.Context) (domain.OrganizationQuery, error) {
	var v domain.Validation
	q := domain.OrganizationQuery{
		Page:     queryInt(c, &v, "page", 1, 1, 1_000_000),
		PageSize: queryInt(c, &v, "page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
		Search:   c.Query("q"),
	}
	if len(q.Search) > 100 {
		v.Add("q", "q must be at most 100 characters")
	}
	srt, err := domain.ParseSort(c.Query("sort"))
	v.Merge(err)
	q.Sort = srt
	if s, ok := c.GetQuery("status"); ok {
		st := domain.Status(s)
		if !st.Valid() {
			v.Add("status", "status must be one of active, suspended, archived")
		}
		q.Status = &st
	}
	return q, v.Err()
}
