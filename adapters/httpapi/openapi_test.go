package httpapi_test

import (
	"bufio"
	"bytes"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/httpapi"
)

var (
	pathLine   = regexp.MustCompile(`^  (/\S*):\s*$`)
	methodLine = regexp.MustCompile(`^    (get|put|post|patch|delete):`)
	ginParam   = regexp.MustCompile(`:(\w+)`)
)

// documented reads "METHOD /path" pairs from the paths section of openapi.yaml.
func documented(t *testing.T) []string {
	t.Helper()
	var out []string
	path := ""
	sc := bufio.NewScanner(bytes.NewReader(httpapi.OpenAPI))
	for sc.Scan() {
		line := sc.Text()
		if line == "components:" {
			break
		}
		if m := pathLine.FindStringSubmatch(line); m != nil {
			path = m[1]
		} else if m := methodLine.FindStringSubmatch(line); m != nil && path != "" {
			out = append(out, strings.ToUpper(m[1])+" "+path)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestOpenAPI_CoversEveryRoute fails when a registered route is missing from openapi.yaml,
// or the document names a route the router does not serve.
func TestOpenAPI_CoversEveryRoute(t *testing.T) {
	h := sqlite(t)
	var routes []string
	for _, r := range h.router.Routes() {
		routes = append(routes, r.Method+" "+ginParam.ReplaceAllString(r.Path, "{$1}"))
	}
	sort.Strings(routes)
	docs := documented(t)
	if len(routes) == 0 {
		t.Fatal("the router serves no routes")
	}
	if strings.Join(routes, "\n") != strings.Join(docs, "\n") {
		t.Fatalf("router and openapi.yaml differ\nrouter:\n%s\n\nopenapi.yaml:\n%s", strings.Join(routes, "\n"), strings.Join(docs, "\n"))
	}
	res := h.do("GET", "/openapi.yaml", "", nil)
	if res.Status != 200 || !bytes.Equal(res.Raw, httpapi.OpenAPI) {
		t.Fatalf("GET /openapi.yaml: %d", res.Status)
	}
}
