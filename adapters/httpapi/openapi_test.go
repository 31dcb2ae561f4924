package httpapi_test

import (
	"bufio"
	"bytes"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/httpapi"
	"github.com/orgkit/orgkit/domain"
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

// eventSchemas names the OpenAPI schema of each resource an event's data holds.
var eventSchemas = map[string]string{"organization": "OrganizationEvent", "member": "MemberEvent",
	"invitation": "InvitationEvent", "invite_link": "InviteLinkEvent", "domain": "DomainEvent",
	"api_key": "APIKeyEvent", "webhook_endpoint": "WebhookEndpointEvent", "user": "UserEvent"}

// schemaLines returns the lines of components.schemas.name, without its header.
func schemaLines(t *testing.T, name string) []string {
	t.Helper()
	lines := strings.Split(string(httpapi.OpenAPI), "\n")
	start := slices.Index(lines, "    "+name+":")
	if start < 0 || slices.Index(lines, "  schemas:") > start {
		t.Fatalf("openapi.yaml has no schema %s", name)
	}
	end := start + 1
	for end < len(lines) && (lines[end] == "" || strings.HasPrefix(lines[end], "      ")) {
		end++
	}
	return lines[start+1 : end]
}

// TestOpenAPI_EventCatalog fails when the documented event types differ from
// domain.EventTypes: the EventType enum and its descriptions, and each resource's event
// schema (its types, in catalog order).
func TestOpenAPI_EventCatalog(t *testing.T) {
	var enum []string
	inEnum := false
	doc := strings.Join(schemaLines(t, "EventType"), "\n")
	for _, l := range schemaLines(t, "EventType") {
		switch {
		case l == "      enum:":
			inEnum = true
		case inEnum && strings.HasPrefix(l, "        - "):
			enum = append(enum, strings.TrimPrefix(l, "        - "))
		default:
			inEnum = false
		}
	}
	var want []string
	byResource := map[string][]string{}
	for _, e := range domain.EventTypes {
		want = append(want, e.Type)
		byResource[e.Resource] = append(byResource[e.Resource], e.Type)
		if !strings.Contains(doc, "        - `"+e.Type+"` - "+e.Description+"\n") {
			t.Errorf("EventType's description lacks %s - %s", e.Type, e.Description)
		}
	}
	if !slices.Equal(enum, want) {
		t.Errorf("EventType enum\n%v\nwant domain.EventTypes\n%v", enum, want)
	}
	typeLine := regexp.MustCompile(`^            type: \{type: string, enum: \[(.*)\]\}$`)
	byResource["webhook_test"] = []string{domain.EventWebhookTest}
	schemas := maps.Clone(eventSchemas)
	schemas["webhook_test"] = "WebhookTestEvent"
	if len(byResource) != len(schemas) {
		t.Errorf("resources %v, schemas for %v", slices.Sorted(maps.Keys(byResource)), slices.Sorted(maps.Keys(schemas)))
	}
	oneOf := strings.Join(schemaLines(t, "Event"), "\n")
	for resource, types := range byResource {
		name := schemas[resource]
		var got []string
		for _, l := range schemaLines(t, name) {
			if m := typeLine.FindStringSubmatch(l); m != nil {
				got = strings.Split(m[1], ", ")
			}
		}
		if !slices.Equal(got, types) {
			t.Errorf("%s types %v, want %v", name, got, types)
		}
		if !strings.Contains(oneOf, `{$ref: "#/components/schemas/`+name+`"}`) {
			t.Errorf("Event is not oneOf %s", name)
		}
	}
}
