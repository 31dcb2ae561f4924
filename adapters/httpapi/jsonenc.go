package httpapi

import (
	"strconv"
	"unicode/utf8"

	"github.com/orgkit/orgkit/domain"
)

// appendResolveBody appends resolve's answer for o, byte for byte what encoding/json would
// write for {"data": {...}} with these keys in this order, without reflection: resolve is
// the hottest path of the product.
func appendResolveBody(b []byte, o domain.PublicOrganization) []byte {
	b = append(b, `{"data":{"id":`...)
	b = strconv.AppendInt(b, o.ID, 10)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, o.Name)
	b = append(b, `,"slug":`...)
	b = appendJSONString(b, o.Slug)
	b = append(b, `,"logo_url":`...)
	b = appendJSONNullable(b, o.LogoURL)
	b = append(b, `,"icon_url":`...)
	b = appendJSONNullable(b, o.IconURL)
	b = append(b, `,"language_code":`...)
	b = appendJSONNullable(b, o.LanguageCode)
	return append(b, "}}"...)
}

// appendJSONNullable appends s as a JSON string, or null when s is nil.
func appendJSONNullable(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string escaped exactly as encoding/json escapes it
// (HTML-safe): quotes, backslashes and control characters; <, > and & as \u003c, \u003e and
// \u0026; U+2028 and U+2029; invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if jsonSafe(c) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// jsonSafe reports whether an ASCII byte goes into a JSON string as it is.
func jsonSafe(c byte) bool {
	return c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
}
