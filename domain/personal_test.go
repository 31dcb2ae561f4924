package domain_test

import (
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
)

func TestPersonalOrganizationName(t *testing.T) {
	str := func(s string) *string { return &s }
	long := strings.Repeat("é", 99)
	for _, c := range []struct {
		claim string
		user  domain.User
		want  string
	}{
		{"Acme", domain.User{Name: str("Ann")}, "Acme"},
		{" Acme ", domain.User{}, "Acme"},
		{"A", domain.User{Name: str("Ann")}, "Ann's organization"},
		{"", domain.User{Email: str("bob@example.com")}, "bob's organization"},
		{"", domain.User{Name: str(""), Email: str("bob@example.com")}, "bob's organization"},
		{"", domain.User{}, domain.PersonalFallbackName},
		{"", domain.User{Name: str(long)}, strings.Repeat("é", 85) + "'s organization"},
		{"tab\tname", domain.User{Name: str("Ann")}, "Ann's organization"},
	} {
		got := domain.PersonalOrganizationName(c.claim, c.user)
		if got != c.want {
			t.Errorf("%q %+v: got %q, want %q", c.claim, c.user, got, c.want)
		}
		if !domain.OrganizationName(got) {
			t.Errorf("%q is not a valid organization name", got)
		}
	}
}

func TestSlugFrom(t *testing.T) {
	for name, want := range map[string]string{
		"Acme Corporation":         "acme-corporation",
		"Ann Lee's organization":   "ann-lees-organization",
		"Zoë Ølsen’s organization": "zoe-olsens-organization",
		"--Hello,  World!--":       "hello-world",
		"株式会社":                     domain.PersonalSlugBase,
		"Admin":                    domain.PersonalSlugBase, // reserved
		"ab":                       domain.PersonalSlugBase, // too short
		strings.Repeat("abc ", 30): strings.TrimRight(strings.Repeat("abc-", 11)[:domain.SlugMax-7], "-"),
	} {
		if got := domain.SlugFrom(name); got != want {
			t.Errorf("SlugFrom(%q) = %q, want %q", name, got, want)
		}
	}
	if got := domain.WithSlugSuffix(strings.Repeat("a", 50), "2"); got != strings.Repeat("a", 48)+"-2" {
		t.Errorf("suffix: %q", got)
	}
	if got := domain.WithSlugSuffix("abc-def", ""); got != "abc-def" {
		t.Errorf("no suffix: %q", got)
	}
}
