package domain_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgkit/orgkit/domain"
)

// FuzzSlug: every way a slug is made or read gives a slug the domain's own validator
// accepts, within SlugMax, and reading it again changes nothing.
func FuzzSlug(f *testing.F) {
	for _, s := range []string{"acme", "Acme", " acme ", "ac--me", "-acme", "acme-", "www", "API", "émile",
		"Émile's Café & Co.", "ÀÉÎÕÜ Ltd", strings.Repeat("a", 50), strings.Repeat("ab-", 30), "a\x00b", "\xff\xfe",
		"\u212aelvin", "O’Brien", "1-2-3", "x", "", "--", "ﬁne print", "İstanbul"} {
		f.Add(s, "x7k2pq")
	}
	f.Fuzz(func(t *testing.T, s, suffix string) {
		got, err := domain.NormalizeSlug(s)
		switch {
		case err == nil:
			if p := slugProblem(got); p != "" && !reserved(got) {
				t.Fatalf("NormalizeSlug(%q) = %q, which ValidateSlug refuses: %s", s, got, p)
			}
			if got != domain.FoldASCII(s) {
				t.Fatalf("NormalizeSlug(%q) = %q, not the input ASCII-folded", s, got)
			}
			if again, err := domain.NormalizeSlug(got); err != nil || again != got {
				t.Fatalf("NormalizeSlug(%q) = %q, again %q, %v", s, got, again, err)
			}
		case domain.CodeOf(err) == domain.CodeValidation:
			if domain.SafeText(s, false) {
				t.Fatalf("NormalizeSlug(%q): %v, but it is safe text", s, err)
			}
		case errors.Is(err, domain.ErrOrganizationNotFound):
			if slugProblem(domain.FoldASCII(s)) == "" {
				t.Fatalf("NormalizeSlug(%q): not found, but its fold is a valid slug", s)
			}
		default:
			t.Fatalf("NormalizeSlug(%q): unexpected error %v", s, err)
		}
		if slugProblem(s) == "" {
			if got, err := domain.NormalizeSlug(s); err != nil || got != s {
				t.Fatalf("valid slug %q normalized to %q, %v", s, got, err)
			}
		}

		base := domain.SlugFrom(s)
		if p := slugProblem(base); p != "" {
			t.Fatalf("SlugFrom(%q) = %q: %s", s, base, p)
		}
		if again := domain.SlugFrom(base); again != base {
			t.Fatalf("SlugFrom(%q) = %q, SlugFrom of that = %q", s, base, again)
		}
		if isSuffix(suffix) {
			if full := domain.WithSlugSuffix(base, suffix); slugProblem(full) != "" || !strings.HasSuffix(full, "-"+suffix) {
				t.Fatalf("WithSlugSuffix(%q, %q) = %q: %s", base, suffix, full, slugProblem(full))
			}
		}

		name := domain.PersonalOrganizationName(s, domain.User{Name: &s})
		if !domain.OrganizationName(name) || utf8.RuneCountInString(name) > domain.NameMax {
			t.Fatalf("PersonalOrganizationName(%q) = %q, not a valid organization name", s, name)
		}
	})
}

// slugProblem is ValidateSlug's complaint about s, "" when it has none.
func slugProblem(s string) string {
	var v domain.Validation
	domain.ValidateSlug(&v, s)
	if err := v.Err(); err != nil {
		return err.Error()
	}
	return ""
}

// reserved reports a slug that is well formed but kept for the platform: resolve may look
// it up (nobody has it), creating an organization refuses it.
func reserved(s string) bool { return strings.Contains(slugProblem(s), "reserved") }

// isSuffix reports the suffixes the service adds to a taken personal slug: 1-6 lowercase
// letters and digits.
func isSuffix(s string) bool {
	if s == "" || len(s) > 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
