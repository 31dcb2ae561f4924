package domain

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Paging bounds of every list.
const (
	DefaultPageSize = 25
	MaxPageSize     = 100
	MaxPage         = 1_000_000
)

// SortFields are the public sort names of the organization list. Each store maps them to
// its own columns through its own table.
var SortFields = []string{"name", "created_at", "updated_at"}

// SearchMax bounds the `q` search text, in characters.
const SearchMax = 100

// ValidateSearch refuses a search text of more than SearchMax characters or with control
// characters, naming field.
func ValidateSearch(field, s string) error {
	if !SafeText(s, false) || utf8.RuneCountInString(s) > SearchMax {
		return InvalidField(field, "%s must be at most %d characters of text", field, SearchMax)
	}
	return nil
}

// Sort is a validated sort order.
type Sort struct {
	Field string
	Desc  bool
}

// ParseSort parses the `sort` parameter: a field name, `-` prefixed for descending.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return Sort{Field: "name"}, nil
	}
	srt := Sort{Field: strings.TrimPrefix(s, "-"), Desc: strings.HasPrefix(s, "-")}
	if !slices.Contains(SortFields, srt.Field) {
		return Sort{}, InvalidField("sort", "sort must be one of %s, optionally prefixed with -", strings.Join(SortFields, ", "))
	}
	return srt, nil
}

// OrganizationQuery selects a page of organizations.
type OrganizationQuery struct {
	Page     int
	PageSize int
	Sort     Sort
	Search   string  // case-insensitive substring of name or slug
	Status   *Status // nil: any status
	MemberID *int64  // nil: every organization (superadmins)
	// After, when set, asks for the page that follows the row it marks (keyset paging): as
	// fast on the millionth row as on the first. Page must then be 1.
	After *Cursor
}

// Offset is the number of rows before the page.
func (q OrganizationQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Normalize fills the zero values with the defaults (page 1, 25 a page, by name) and checks
// every bound, so library callers may pass OrganizationQuery{}.
func (q OrganizationQuery) Normalize() (OrganizationQuery, error) {
	var v Validation
	normalizePage(&v, &q.Page, &q.PageSize)
	if q.Sort.Field == "" {
		q.Sort.Field = "name"
	}
	if !slices.Contains(SortFields, q.Sort.Field) {
		v.Add("sort", "sort must be one of %s", strings.Join(SortFields, ", "))
	}
	if !SafeText(q.Search, false) || utf8.RuneCountInString(q.Search) > SearchMax {
		v.Add("q", "q must be at most %d characters of text", SearchMax)
	}
	if q.Status != nil && !q.Status.Valid() {
		v.Add("status", "status must be one of active, suspended, archived")
	}
	if q.After != nil {
		if q.Page != 1 {
			v.Add("page", "page cannot be combined with cursor")
		}
		if q.After.Sort != q.Sort {
			v.Add("cursor", "cursor belongs to another sort order: send the sort it was made with")
		}
	}
	return q, v.Err()
}

// normalizePage defaults a zero page to 1 and a zero size to DefaultPageSize, and refuses
// negative pages and sizes above MaxPageSize.
func normalizePage(v *Validation, page, size *int) {
	if *page == 0 {
		*page = 1
	}
	if *size == 0 {
		*size = DefaultPageSize
	}
	if *page < 1 || *page > MaxPage {
		v.Add("page", "page must be an integer from 1 to %d", MaxPage)
	}
	if *size < 1 || *size > MaxPageSize {
		v.Add("page_size", "page_size must be an integer from 1 to %d", MaxPageSize)
	}
}

// Page is one page of results and the total across all pages.
type Page[T any] struct {
	Items    []T
	Page     int // 0 for a keyset page (reached by cursor)
	PageSize int
	Total    int64
	// Next marks the last item when more follow (a list with keyset paging); nil otherwise.
	Next *Cursor
}

// TotalPages is the number of pages of PageSize needed for Total.
func (p Page[T]) TotalPages() int64 {
	if p.PageSize <= 0 {
		return 0
	}
	return (p.Total + int64(p.PageSize) - 1) / int64(p.PageSize)
}
