package domain

import "strings"

// Paging bounds of seed 000.
const (
	DefaultPageSize = 25
	MaxPageSize     = 100
)

// sortFields maps the public sort names to themselves; they double as column names.
var sortFields = map[string]bool{"name": true, "created_at": true, "updated_at": true}

// Sort is a validated sort order.
type Sort struct {
	Field string
	Desc  bool
}

// ParseSort parses seed 000's `sort` parameter: a field name, `-` prefixed for descending.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return Sort{Field: "name"}, nil
	}
	srt := Sort{Field: strings.TrimPrefix(s, "-"), Desc: strings.HasPrefix(s, "-")}
	if !sortFields[srt.Field] {
		return Sort{}, InvalidField("sort", "sort must be one of name, created_at, updated_at, optionally prefixed with -")
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
}

// Offset is the number of rows before the page.
func (q OrganizationQuery) Offset() int { return (q.Page - 1) * q.PageSize }

// Page is one page of results and the total across all pages.
type Page[T any] struct {
	Items    []T
	Page     int
	PageSize int
	Total    int64
}

// TotalPages is the number of pages of PageSize needed for Total.
func (p Page[T]) TotalPages() int64 {
	if p.PageSize <= 0 {
		return 0
	}
	return (p.Total + int64(p.PageSize) - 1) / int64(p.PageSize)
}
