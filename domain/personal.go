package domain

import (
	"strings"
	"unicode/utf8"
)

// PersonalFallbackName names a personal organization when nothing better is known of its
// owner: no usable organization claim, name or email.
const PersonalFallbackName = "Personal organization"

// personalSuffix follows the owner's name in a personal organization's default name.
const personalSuffix = "'s organization"

// OrganizationName reports whether s may name an organization as it is (no trimming): the
// rules Organization.Validate applies to its name.
func OrganizationName(s string) bool {
	var v Validation
	validateName(&v, s)
	return v.Err() == nil
}

// PersonalOrganizationName is the name of the personal organization orgkit makes for u
// (ORGKIT_PERSONAL_ORGANIZATIONS): claim, the token's organization claim, when it is a
// usable organization name; else "<name>'s organization" from the user's name, or from
// their email's local part when they have no name; else PersonalFallbackName. It is always a
// valid organization name: an owner's name is shortened to fit.
func PersonalOrganizationName(claim string, u User) string {
	if claim = strings.TrimSpace(claim); OrganizationName(claim) {
		return claim
	}
	var owner string
	switch {
	case u.Name != nil && *u.Name != "":
		owner = *u.Name
	case u.Email != nil:
		owner, _, _ = strings.Cut(*u.Email, "@")
	}
	owner = strings.TrimSpace(owner)
	if max := NameMax - utf8.RuneCountInString(personalSuffix); utf8.RuneCountInString(owner) > max {
		owner = strings.TrimSpace(string([]rune(owner)[:max]))
	}
	if name := owner + personalSuffix; owner != "" && OrganizationName(name) {
		return name
	}
	return PersonalFallbackName
}

// PersonalSlugBase is the fallback slug of a personal organization whose name gives none.
const PersonalSlugBase = "personal"

// slugSuffixRoom is what SlugFrom leaves free for WithSlugSuffix ("-" and 6 characters).
const slugSuffixRoom = 7

// SlugFrom derives a slug from an organization name: ASCII letters lower-cased, common
// accented Latin letters without their accent, apostrophes dropped, every other run of
// characters one hyphen, and short enough for WithSlugSuffix to add a suffix. A name that
// gives no valid, unreserved slug gives PersonalSlugBase.
func SlugFrom(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range name {
		if r == '\'' || r == '\u2019' {
			continue
		}
		if f, ok := latinFold[r]; ok {
			r = f
		}
		switch {
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
		default:
			hyphen = b.Len() > 0
			continue
		}
		if hyphen {
			b.WriteByte('-')
			hyphen = false
		}
		b.WriteRune(r)
	}
	s := b.String()
	if len(s) > SlugMax-slugSuffixRoom {
		s = strings.TrimRight(s[:SlugMax-slugSuffixRoom], "-")
	}
	if !isSlug(s) || reservedSlugs[s] {
		return PersonalSlugBase
	}
	return s
}

// WithSlugSuffix is base with "-suffix", base shortened so that the whole fits SlugMax. An
// empty suffix gives base.
func WithSlugSuffix(base, suffix string) string {
	if suffix == "" {
		return base
	}
	if max := SlugMax - len(suffix) - 1; len(base) > max {
		base = strings.TrimRight(base[:max], "-")
	}
	return base + "-" + suffix
}

// latinFold maps common accented Latin letters to their unaccented ASCII letter.
var latinFold = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåā", 'c': "çćč", 'e': "èéêëēėę", 'i': "ìíîïī", 'n': "ñń", 'o': "òóôõöøō",
		'u': "ùúûüū", 'y': "ýÿ", 's': "śš", 'z': "źżž", 'l': "ł", 'd': "ð",
		'A': "ÀÁÂÃÄÅĀ", 'C': "ÇĆČ", 'E': "ÈÉÊËĒĖĘ", 'I': "ÌÍÎÏĪ", 'N': "ÑŃ", 'O': "ÒÓÔÕÖØŌ",
		'U': "ÙÚÛÜŪ", 'Y': "Ý", 'S': "ŚŠ", 'Z': "ŹŻŽ", 'L': "Ł", 'D': "Ð",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
