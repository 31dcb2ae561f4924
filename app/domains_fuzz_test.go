package app_test

import (
	"strings"
	"testing"

	"golang.org/x/net/idna"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// FuzzNormalizeDomainName: a custom domain's stored form is ASCII, lower-case, without a
// trailing dot or an empty label; normalizing it again, adding the root's dot, upper-casing
// it, writing it in Unicode or adding a port (as a Host header does) all give it back.
func FuzzNormalizeDomainName(f *testing.F) {
	for _, s := range []string{" Clinic.Example.COM. ", "bücher.example", "BÜCHER.example", "xn--bcher-kva.example",
		"a\x00ü.example", "xn--zz--.example", "\u202ebad.example", "a..b.example", "a.b..", ".example.com", "localhost",
		"127.0.0.1", "[::1]", "*.example.com", "ＥＸＡＭＰＬＥ.com", "bücher.example。", "xn--.example", "ab--cd.example",
		"a.b.c:8443", strings.Repeat("a", 64) + ".example", strings.Repeat("a.", 127) + "b", "ß.example", "ǅ.example"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		name, err := app.NormalizeDomainName(raw)
		if err != nil {
			if domain.CodeOf(err) != domain.CodeValidation {
				t.Fatalf("NormalizeDomainName(%q): %v, want a validation_error", raw, err)
			}
			return
		}
		if domain.ValidateDomainName(name, nil) != nil {
			return // not a host name: AddDomain and resolve refuse it
		}
		switch {
		case !domain.IsASCII(name) || name != strings.ToLower(name):
			t.Fatalf("NormalizeDomainName(%q) = %q: not lower-case ASCII", raw, name)
		case strings.HasSuffix(name, ".") || strings.HasPrefix(name, ".") || strings.Contains(name, ".."):
			t.Fatalf("NormalizeDomainName(%q) = %q: an empty label", raw, name)
		case len(name) > domain.HostnameMax:
			t.Fatalf("NormalizeDomainName(%q) = %q: longer than %d", raw, name, domain.HostnameMax)
		}
		same := func(what, in string) {
			t.Helper()
			if got, err := app.NormalizeDomainName(in); err != nil || got != name {
				t.Fatalf("NormalizeDomainName(%q) = %q, but %s (%q) gives %q, %v", raw, name, what, in, got, err)
			}
		}
		same("again", name)
		same("with the root's dot", name+".")
		same("upper-cased", strings.ToUpper(name))
		if uni, err := idna.Lookup.ToUnicode(name); err == nil {
			same("in Unicode", uni)
		}
		if h := domain.HostWithoutPort(name + ":8443"); h != name {
			t.Fatalf("NormalizeDomainName(%q) = %q, but as a Host with a port it is %q", raw, name, h)
		}
	})
}
