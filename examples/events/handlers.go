package main

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/domain"
)

// permissions are the host's own actions in orgkit's one policy table (superadmins may do
// everything): admins create events, every member reads them.
var permissions = map[string][]string{
	"event.create": {"owner", "admin"},
	"event.read":   {"owner", "admin", "member", "viewer"},
}

// eventsAPI serves /v1/organizations/:id/events. The middleware before it has authorized the
// caller in the path's organization, so its handlers read input only once that passed: an
// outsider learns it may not act, never what was wrong with its request.
type eventsAPI struct {
	store events
	now   func() time.Time
}

// eventJSON is an event as answered, in seed 000's style: snake_case, RFC 3339 in UTC.
type eventJSON struct {
	ID             int64   `json:"id"`
	OrganizationID int64   `json:"organization_id"`
	Name           string  `json:"name"`
	Slug           string  `json:"slug"`
	Description    *string `json:"description"`
	StartDate      *string `json:"start_date"`
	EndDate        *string `json:"end_date"`
	Website        *string `json:"website"`
	ContactEmail   *string `json:"contact_email"`
	IsActive       bool    `json:"is_active"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

func toJSON(e event, now time.Time) eventJSON {
	return eventJSON{ID: e.ID, OrganizationID: e.OrganizationID, Name: e.Name, Slug: e.Slug, Description: e.Description,
		StartDate: optionalTime(e.StartDate), EndDate: optionalTime(e.EndDate), Website: e.Website,
		ContactEmail: e.ContactEmail, IsActive: e.active(now), CreatedAt: rfc3339(e.CreatedAt), UpdatedAt: rfc3339(e.UpdatedAt)}
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func optionalTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := rfc3339(*t)
	return &s
}

// create answers 201 with the new event. Errors: validation_error naming each bad field,
// event_slug_taken, organization_not_found (deleted meanwhile), payload_too_large,
// unsupported_media_type.
func (h eventsAPI) create(c *gin.Context) {
	oc, _ := orgkit.OrgContextFrom(c.Request.Context())
	now := h.now()
	e, err := readNewEvent(c, oc.Organization.ID, now)
	if err == nil {
		e, err = h.store.create(c.Request.Context(), e)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"data": toJSON(e, now)})
}

// readNewEvent reads the body and builds the event it asks for, reporting every bad field
// once: a field the body already got wrong (missing, not a string) keeps that message.
func readNewEvent(c *gin.Context, orgID int64, now time.Time) (event, error) {
	var v domain.Validation
	o, err := readObject(c, &v)
	if err != nil {
		return event{}, err
	}
	n := newEvent{Name: deref(o.text("name", true)), Slug: deref(o.text("slug", true)),
		Description: o.text("description", false), Website: o.text("website", false),
		ContactEmail: o.text("contact_email", false), StartDate: o.text("start_date", false), EndDate: o.text("end_date", false)}
	o.rejectUnknown()
	e, err := n.build(orgID, now)
	var de *domain.Error
	if errors.As(err, &de) {
		for _, f := range de.Details {
			v.Add(f.Field, "%s", f.Message)
		}
	} else if err != nil {
		return event{}, err
	}
	return e, v.Err()
}

// list answers a page of the organization's events with orgkit's list meta (page,
// page_size, total, total_pages). Errors: validation_error (page, page_size, q, is_active,
// or any query parameter that is not text).
func (h eventsAPI) list(c *gin.Context) {
	oc, _ := orgkit.OrgContextFrom(c.Request.Context())
	q, err := readEventQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	now := h.now()
	page, err := h.store.list(c.Request.Context(), oc.Organization.ID, q, now)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]eventJSON, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, toJSON(e, now))
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": gin.H{
		"page": page.Page, "page_size": page.PageSize, "total": page.Total, "total_pages": page.TotalPages()}})
}

// readEventQuery reads the list's query with orgkit's paging defaults and bounds. Every
// parameter must be text, read or not, as on orgkit's own routes.
func readEventQuery(c *gin.Context) (eventQuery, error) {
	var v domain.Validation
	query := c.Request.URL.Query()
	for _, key := range slices.Sorted(maps.Keys(query)) {
		bad := !domain.SafeText(key, false)
		for _, val := range query[key] {
			bad = bad || !domain.SafeText(val, false)
		}
		if field := key; bad {
			if !domain.SafeText(key, false) || len(key) > 64 { // not echoed back
				field = "query"
			}
			v.Add(field, "%s must be valid UTF-8 text without control characters", field)
		}
	}
	q := eventQuery{
		Page:     queryInt(c, &v, "page", 1, domain.MaxPage, 1),
		PageSize: queryInt(c, &v, "page_size", 1, domain.MaxPageSize, domain.DefaultPageSize),
		Search:   c.Query("q"),
	}
	if utf8.RuneCountInString(q.Search) > domain.SearchMax {
		v.Add("q", "q must be at most %d characters of text", domain.SearchMax)
	}
	if s, ok := c.GetQuery("is_active"); ok {
		active := s == "true"
		if !active && s != "false" {
			v.Add("is_active", "is_active must be true or false")
		}
		q.Active = &active
	}
	return q, v.Err()
}

// queryInt reads an optional integer query parameter within [min, max], def when absent.
func queryInt(c *gin.Context, v *domain.Validation, name string, min, max, def int) int {
	s, ok := c.GetQuery(name)
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		v.Add(name, "%s must be an integer from %d to %d", name, min, max)
		return def
	}
	return n
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
