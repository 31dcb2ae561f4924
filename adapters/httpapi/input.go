package httpapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// input collects everything wrong with a request's path, query and body. Handlers read all
// their input through it, then call checked, which tells the caller about the problems only
// once authorization has passed: an outsider learns that it may not act, never what was
// wrong with its request.
type input struct {
	c       *gin.Context
	v       domain.Validation
	err     error // a problem that is not about a field (415, 413), answered first
	badPath bool  // a path id is malformed: there is no organization to authorize against
}

// newInput starts reading c, refusing any query parameter or path segment that is not
// text (NUL bytes, invalid UTF-8, control characters) whether or not the route reads it.
func newInput(c *gin.Context) *input {
	in := &input{c: c}
	var reported map[string]bool
	eachQuery(c.Request.URL.RawQuery, func(key, val string) {
		if (!domain.SafeText(key, false) || !domain.SafeText(val, false)) && !reported[key] {
			if reported == nil {
				reported = map[string]bool{}
			}
			reported[key] = true
			in.v.Add(safeName(key), "%s must be valid UTF-8 text without control characters", safeName(key))
		}
	})
	for _, p := range c.Params {
		if !domain.SafeText(p.Value, false) {
			in.v.Add(p.Key, "%s must be valid UTF-8 text without control characters", p.Key)
		}
	}
	return in
}

// safeName is a query parameter's name fit to echo back in an error.
func safeName(key string) string {
	if domain.SafeText(key, false) && len(key) <= 64 {
		return key
	}
	return "query"
}

// eachQuery calls fn with every key and value of a raw query, in order, as url.ParseQuery
// reads them (pairs split on &, unescaped, pairs with a ; or a bad escape skipped), without
// building a map: resolve, the hottest path, reads its query through it.
func eachQuery(raw string, fn func(key, value string)) {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		key, value, _ := strings.Cut(pair, "=")
		key, err := unescapeQuery(key)
		if err != nil {
			continue
		}
		if value, err = unescapeQuery(value); err != nil {
			continue
		}
		fn(key, value)
	}
}

// unescapeQuery is url.QueryUnescape, without its work when there is nothing to unescape.
func unescapeQuery(s string) (string, error) {
	if !strings.ContainsAny(s, "%+") {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// orgID reads the organization id of the path (:id). When it is malformed there is no
// organization to authorize against, so the problem is answered as it is.
func (in *input) orgID() int64 {
	n := in.pathID("id")
	in.badPath = n == 0
	return n
}

// orgAnd reads the organization id (:id) and, when the route has it, the id of the path
// parameter name (such as :domainId); 0 when the route has none.
func (in *input) orgAnd(name string) (int64, int64) {
	orgID := in.orgID()
	if in.c.Param(name) == "" {
		return orgID, 0
	}
	return orgID, in.pathID(name)
}

// pathID reads a positive integer path parameter (see parseID).
func (in *input) pathID(name string) int64 {
	n, ok := parseID(in.c.Param(name))
	if !ok {
		in.v.Add(name, "%s must be a positive integer written in decimal digits", name)
	}
	return n
}

// parseID reads an id written as plain decimal digits: "+4" and "04" are not id 4.
func parseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	return n, true
}

// queryInt reads an optional integer query parameter within [min, max].
func (in *input) queryInt(name string, def, min, max int) int {
	s, ok := in.c.GetQuery(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		in.v.Add(name, "%s must be an integer from %d to %d", name, min, max)
		return def
	}
	return n
}

// body reads the JSON object body with read (see bind).
func (in *input) body(read func(o *object)) {
	in.err = readBody(in.c, &in.v, read)
}

// Err is the first problem found, nil when the input is fine.
func (in *input) Err() error {
	if in.err != nil {
		return in.err
	}
	return in.v.Err()
}

// checked reports whether the input is fine. Otherwise it answers: the authorization error
// of action on organization orgID (0: a platform action) when the caller may not do it, the
// input's problem when they may. With action "" anyone may, so the problem is answered.
func (h *handlers) checked(in *input, orgID int64, action domain.Action) bool {
	bad := in.Err()
	if bad == nil {
		return true
	}
	if action != "" && !in.badPath {
		if _, _, err := h.svc.Authorize(in.c.Request.Context(), principal(in.c), orgID, action); err != nil {
			bad = err
		}
	}
	writeError(in.c, bad)
	return false
}
