package domain

import (
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Field limits of the organization record and its free-text fields.
const (
	NameMin        = 2
	NameMax        = 100
	SlugMin        = 3
	SlugMax        = 50
	ShortTextMax   = 200
	DescriptionMax = 2000
	URLMax         = 2048
	EmailMax       = 254
	PhoneMax       = 32
)

var (
	languagePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	phonePattern    = regexp.MustCompile(`^\+?[0-9 ()./-]{3,}$`)
)

// reservedSlugs would collide with platform subdomains and routes.
var reservedSlugs = map[string]bool{
	"api": true, "www": true, "admin": true, "app": true, "auth": true, "login": true,
	"signup": true, "static": true, "assets": true, "public": true, "dashboard": true,
	"settings": true, "support": true, "help": true, "docs": true, "status": true,
	"mail": true, "orgkit": true, "slug": true,
}

// isSlug reports whether s is SlugMin-SlugMax lowercase letters, digits and single inner
// hyphens. It is a loop rather than a regular expression because resolve runs it on every
// page load.
func isSlug(s string) bool {
	if len(s) < SlugMin || len(s) > SlugMax || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && s[i-1] != '-':
		default:
			return false
		}
	}
	return true
}

// ValidateSlug reports why s cannot be an organization slug.
func ValidateSlug(v *Validation, s string) {
	switch {
	case !isSlug(s):
		v.Add("slug", "slug must be %d-%d characters of lowercase letters, numbers and single hyphens, not starting or ending with a hyphen", SlugMin, SlugMax)
	case reservedSlugs[s]:
		v.Add("slug", "slug %q is reserved", s)
	}
}

// ValidateDisplayText checks a required display text (a name or title) of min to max
// characters, counted as characters, not bytes.
func ValidateDisplayText(v *Validation, field, s string, min, max int) {
	if p := displayTextProblem(s, false); p != "" {
		v.Add(field, "%s %s", field, p)
		return
	}
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < min || n > max || n != utf8.RuneCountInString(s) {
		v.Add(field, "%s must be %d-%d characters without leading or trailing spaces", field, min, max)
	}
}

func validateName(v *Validation, s string) { ValidateDisplayText(v, "name", s, NameMin, NameMax) }

// validateText checks an optional display text; multiline texts may hold line breaks and tabs.
func validateText(v *Validation, field string, s *string, max int, multiline bool) {
	if s == nil {
		return
	}
	if p := displayTextProblem(*s, multiline); p != "" {
		v.Add(field, "%s %s", field, p)
	} else if utf8.RuneCountInString(*s) > max {
		v.Add(field, "%s must be at most %d characters", field, max)
	}
}

// ValidEmail reports whether s is a bare email address (no display name) in its normalized
// form (see NormalizeEmail).
func ValidEmail(s string) bool {
	if len(s) > EmailMax || !SafeText(s, false) || s != NormalizeEmail(s) {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// ParseEmail is the normalized form of an email a caller typed. Errors: validation_error
// naming field.
func ParseEmail(field, s string) (string, error) {
	s = NormalizeEmail(s)
	if !ValidEmail(s) {
		return "", InvalidField(field, "%s must be a valid email address", field)
	}
	return s, nil
}

func validateEmail(v *Validation, field string, s *string) {
	if s != nil && !ValidEmail(*s) {
		v.Add(field, "%s must be a valid email address", field)
	}
}

func validateURL(v *Validation, field string, s *string) {
	if s == nil {
		return
	}
	u, err := url.Parse(*s)
	switch {
	case err != nil || !SafeText(*s, false) || len(*s) > URLMax || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		v.Add(field, "%s must be an http or https URL of at most %d characters", field, URLMax)
	case u.User != nil:
		v.Add(field, "%s must not contain a user name or password", field)
	case !validPort(u.Port()):
		v.Add(field, "%s has an invalid port", field)
	}
}

// validPort accepts no port or a decimal port from 1 to 65535.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535 && p[0] != '0'
}

func validateLanguage(v *Validation, s *string) {
	if s != nil && (len(*s) > 35 || !languagePattern.MatchString(*s)) {
		v.Add("language_code", "language_code must be a BCP 47 language tag such as en or pt-BR")
	}
}

func validatePhone(v *Validation, s *string) {
	if s != nil && (len(*s) > PhoneMax || !phonePattern.MatchString(*s)) {
		v.Add("phone", "phone must be at most %d characters of digits, spaces and + ( ) . - /", PhoneMax)
	}
}

func validatePositive(v *Validation, field string, n *int64) {
	if n != nil && *n <= 0 {
		v.Add(field, "%s must be a positive integer", field)
	}
}

// NormalizeSlug folds a slug someone typed or put in a URL to the stored form. Text that is
// not safe is a validation error; a well-formed text that cannot be a slug is
// organization_not_found, since no organization has it.
// Errors: validation_error, organization_not_found.
func NormalizeSlug(s string) (string, error) {
	if !SafeText(s, false) {
		return "", InvalidField("slug", "slug must be valid UTF-8 text without control characters")
	}
	s = FoldASCII(s)
	if !isSlug(s) {
		return "", ErrOrganizationNotFound
	}
	return s, nil
}
