package domain

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Cursor marks a row of a sorted list (its sort value and id) so that the next page starts
// after it. Clients hold it as an opaque string (String, ParseCursor).
type Cursor struct {
	Sort  Sort
	Value string // the row's sort value: a name, or a time in RFC 3339 with nanoseconds
	ID    int64
}

// CursorAfter marks o in a list sorted by s.
func CursorAfter(s Sort, o Organization) *Cursor {
	c := &Cursor{Sort: s, ID: o.ID}
	switch s.Field {
	case "created_at":
		c.Value = o.CreatedAt.UTC().Format(time.RFC3339Nano)
	case "updated_at":
		c.Value = o.UpdatedAt.UTC().Format(time.RFC3339Nano)
	default:
		c.Value = o.Name
	}
	return c
}

// Time is the cursor's value as a time, for the time sort fields.
func (c Cursor) Time() (time.Time, error) { return time.Parse(time.RFC3339Nano, c.Value) }

// String is the cursor as clients see it: unpadded base64url of "v1 field id value", the
// field "-" prefixed when descending.
func (c Cursor) String() string {
	field := c.Sort.Field
	if c.Sort.Desc {
		field = "-" + field
	}
	return base64.RawURLEncoding.EncodeToString([]byte("v1 " + field + " " + strconv.FormatInt(c.ID, 10) + " " + c.Value))
}

// ParseCursor reads a cursor made by String.
// Errors: validation_error naming cursor.
func ParseCursor(s string) (Cursor, error) {
	bad := InvalidField("cursor", "cursor is not one this service made: pass meta.cursor of the previous page as is")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(s) > 1024 || !utf8.Valid(raw) {
		return Cursor{}, bad
	}
	parts := strings.SplitN(string(raw), " ", 4)
	if len(parts) != 4 || parts[0] != "v1" {
		return Cursor{}, bad
	}
	srt, err := ParseSort(parts[1])
	id, idErr := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || idErr != nil || id <= 0 || !SafeText(parts[3], false) {
		return Cursor{}, bad
	}
	c := Cursor{Sort: srt, ID: id, Value: parts[3]}
	if srt.Field != "name" {
		if _, err := c.Time(); err != nil {
			return Cursor{}, bad
		}
	}
	return c, nil
}
