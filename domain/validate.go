package domain

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Field limits from seed 001, plus bounds for the free-text fields seed 000 leaves open.
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
	slugPattern     = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
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

// ValidateSlug reports why s cannot be an organization slug.
func ValidateSlug(v *Validation, s string) {
	switch {
	case len(s) < SlugMin || len(s) > SlugMax || !slugPattern.MatchString(s):
		v.Add("slug", "slug must be %d-%d characters of lowercase letters, numbers and single hyphens, not starting or ending with a hyphen", SlugMin, SlugMax)
	case reservedSlugs[s]:
		v.Add("slug", "slug %q is reserved", s)
	}
}

func validateName(v *Validation, s string) {
	n := utf8.RuneCountInString(strings.TrimSpace(s))
	if n < NameMin || n > NameMax || n != utf8.RuneCountInString(s) {
		v.Add("name", "name must be %d-%d characters without leading or trailing spaces", NameMin, NameMax)
	}
}

func validateText(v *Validation, field string, s *string, max int) {
	if s != nil && (utf8.RuneCountInString(*s) > max || !utf8.ValidString(*s)) {
		v.Add(field, "%s must be at most %d characters", field, max)
	}
}

// ValidEmail reports whether s is a bare email address (no display name).
func ValidEmail(s string) bool {
	if len(s) > EmailMax {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
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
	if err != nil || len(*s) > URLMax || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.Add(field, "%s must be an http or https URL of at most %d characters", field, URLMax)
	}
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
