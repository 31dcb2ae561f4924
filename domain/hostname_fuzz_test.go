package domain_test

import (
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
)

// FuzzHostWithoutPort: the host a Host header or ?host= names is folded (no port, brackets,
// upper-case letters or trailing dot), reading it again changes nothing, and a port after
// it changes nothing either.
func FuzzHostWithoutPort(f *testing.F) {
	for _, s := range []string{"acme.orgkit.test", "Acme.Example.com:8443", "clinic.example.com.", "a.b..",
		"[::1]:80", "127.0.0.1:8080", "host:0", "host:65536", "host:+80", "host:", ":80", " x.y ", "x.y:80:80",
		"acme.orgkit.test .", "bücher.example", "a\x00.b", "EXAMPLE.COM.:443"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, hostport string) {
		h := domain.HostWithoutPort(hostport)
		if h == "" {
			return
		}
		switch {
		case h != domain.FoldHostname(h):
			t.Fatalf("HostWithoutPort(%q) = %q, which folds to %q", hostport, h, domain.FoldHostname(h))
		case strings.HasSuffix(h, ".") || strings.ContainsAny(h, "[]:"):
			t.Fatalf("HostWithoutPort(%q) = %q: a trailing dot, a bracket or a colon", hostport, h)
		case domain.HostWithoutPort(h) != h:
			t.Fatalf("HostWithoutPort(%q) = %q, but of that %q", hostport, h, domain.HostWithoutPort(h))
		case domain.HostWithoutPort(h+":443") != h:
			t.Fatalf("HostWithoutPort(%q) = %q, but with a port %q", hostport, h, domain.HostWithoutPort(h+":443"))
		}
		if domain.ValidateDomainName(h, nil) == nil {
			if slug, ok := domain.SlugOfHost(h, []string{"orgkit.test"}); ok && slug != "" && strings.Contains(slug, ".") {
				t.Fatalf("SlugOfHost(%q) = %q: a slug has no dot", h, slug)
			}
		}
	})
}
