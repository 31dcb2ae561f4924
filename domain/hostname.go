package domain

import (
	"net"
	"strconv"
	"strings"
)

// Host name limits (RFC 1035): a whole name of at most 253 characters, labels of 1 to 63.
const (
	HostnameMax = 253
	LabelMax    = 63
)

// FoldHostname is the ASCII part of a host name's normalization: trimmed, ASCII letters
// lower-cased and one trailing dot (the DNS root) removed. Internationalized names are
// converted to ASCII (punycode) by the caller before ValidateDomainName, since that needs an
// IDNA table the standard library does not have.
func FoldHostname(s string) string {
	return strings.TrimSuffix(FoldASCII(strings.TrimSpace(s)), ".")
}

// ValidateDomainName reports why name, already folded and in ASCII, cannot be an
// organization's custom domain: it must be a host name of two or more labels of letters,
// digits and inner hyphens (punycode labels included), not an IP address, not a wildcard,
// and not one of the platform's own base domains or under one (their subdomains are slugs).
// Errors: validation_error on the field "domain".
func ValidateDomainName(name string, platformDomains []string) error {
	if problem := domainNameProblem(name, platformDomains); problem != "" {
		return InvalidField("domain", "%s", problem)
	}
	return nil
}

func domainNameProblem(name string, platformDomains []string) string {
	switch {
	case name == "":
		return "domain is required"
	case !IsASCII(name):
		return "domain must be an ASCII host name (internationalized names are converted to punycode first)"
	case len(name) > HostnameMax:
		return "domain must be at most 253 characters"
	case strings.Contains(name, "*"):
		return "domain must be one host name, not a wildcard"
	case net.ParseIP(strings.Trim(name, "[]")) != nil:
		return "domain must be a host name, not an IP address"
	}
	if !strings.Contains(name, ".") {
		return "domain must have at least two labels, such as clinic.example.com"
	}
	last := ""
	for rest, more := name, true; more; { // strings.Cut, not Split: resolve runs this per request
		last, rest, more = strings.Cut(rest, ".")
		if p := labelProblem(last); p != "" {
			return p
		}
	}
	if allDigits(last) {
		return "domain must end in a top-level domain, not a number"
	}
	if base, ok := underPlatform(name, platformDomains); ok {
		return "domain must not be the platform's own domain " + base + " or under it: its subdomains are organization slugs"
	}
	return ""
}

func labelProblem(l string) string {
	if l == "" || len(l) > LabelMax {
		return "each label of domain must be 1-63 characters"
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return "labels of domain must not start or end with a hyphen"
	}
	for i := 0; i < len(l); i++ {
		if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return "domain may contain only letters, digits, hyphens and dots"
		}
	}
	return ""
}

// underPlatform reports the longest platform base domain that name is or is under, so that
// with bases example.app and clinic.example.app, acme.clinic.example.app is slug acme.
func underPlatform(name string, platformDomains []string) (string, bool) {
	found := ""
	for _, base := range platformDomains {
		if (name == base || strings.HasSuffix(name, "."+base)) && len(base) > len(found) {
			found = base
		}
	}
	return found, found != ""
}

// HostWithoutPort is the host part of a Host header value ("Acme.Example.com:8443"), folded
// like FoldHostname, or "" when it is not a host name with an optional decimal port: a
// bracketed address, a second trailing dot, white space before the trailing dot or a port
// that is not a number names no organization. Its answer is its own host part, so that
// "acme.example.app ." cannot name something "acme.example.app" does not.
func HostWithoutPort(hostport string) string {
	h := strings.TrimSpace(hostport)
	if strings.ContainsAny(h, "[]") {
		return ""
	}
	if host, port, found := strings.Cut(h, ":"); found {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || !allDigits(port) {
			return ""
		}
		h = host
	}
	h = FoldHostname(h)
	if strings.HasSuffix(h, ".") || h != strings.TrimSpace(h) {
		return ""
	}
	return h
}

// SlugOfHost reports the slug a platform host name names: "acme" for "acme.<base>" where
// base is one of platformDomains (already folded). ok is false for a name under none of
// them; a base itself or a deeper name under one gives ok with slug "" (it names no
// organization).
func SlugOfHost(host string, platformDomains []string) (slug string, ok bool) {
	base, ok := underPlatform(host, platformDomains)
	if !ok {
		return "", false
	}
	sub := strings.TrimSuffix(strings.TrimSuffix(host, base), ".")
	if sub == "" || strings.Contains(sub, ".") {
		return "", true
	}
	return sub, true
}

// IsASCII reports whether s holds only ASCII bytes.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
