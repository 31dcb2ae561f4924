package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// FoldASCII lower-cases the ASCII letters of s and nothing else. Emails, slugs and domain
// names fold case this way only, so that Go, SQLite (whose lower() is ASCII-only) and
// Postgres (whose lower() follows the locale) agree, and so that look-alikes such as the
// Kelvin sign U+212A never turn into the letter k and match someone else's name.
func FoldASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// NormalizeEmail is the one form in which emails are stored and compared: trimmed and
// ASCII-folded. Comparisons after it are exact.
func NormalizeEmail(s string) string { return FoldASCII(strings.TrimSpace(s)) }

// SafeText reports whether s is valid UTF-8 without NUL or other control characters
// (newline, carriage return and tab are allowed when multiline). Everything a client sends
// is checked with it, so no input can reach a database that stores it differently (Postgres
// refuses NUL bytes that SQLite keeps) or a log it could forge lines in.
func SafeText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			return false
		}
	}
	return true
}

// bidiControl reports the bidirectional override and isolate characters, which make text
// render in an order other than the one stored (a name that displays as another name).
func bidiControl(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// visible reports whether s has at least one character that is neither white space nor an
// invisible format character (zero-width space, joiners, byte-order mark, …).
func visible(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// displayTextProblem says why s cannot be a display text (a name, tagline, title, …), or ""
// when it can: it must be safe text, free of bidi controls, and not blank or invisible.
func displayTextProblem(s string, multiline bool) string {
	switch {
	case !SafeText(s, multiline):
		return "must be valid UTF-8 text without control characters"
	case strings.IndexFunc(s, bidiControl) >= 0:
		return "must not contain bidirectional override or isolate characters"
	case s != "" && !visible(s):
		return "must not be only spaces or invisible characters"
	}
	return ""
}
