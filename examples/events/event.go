package main

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orgkit/orgkit/domain"
)

// Field limits of an event.
const (
	eventNameMin = 2
	eventNameMax = domain.ShortTextMax
)

// event is one organization's event: the host's own record, owned by an organization the way
// orgkit's domains and members are.
type event struct {
	ID             int64
	OrganizationID int64
	Name, Slug     string
	Description    *string
	StartDate      *time.Time
	EndDate        *time.Time
	Website        *string
	ContactEmail   *string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// active is the host's definition of an active event: one whose end has not passed at now.
// An event with no end_date stays active. It is computed, never stored, so an event turns
// inactive on its own when it ends.
func (e event) active(now time.Time) bool { return e.EndDate == nil || !e.EndDate.Before(now) }

// newEvent is what a caller asks to create, as sent: dates are still text.
type newEvent struct {
	Name, Slug                         string
	Description, Website, ContactEmail *string
	StartDate, EndDate                 *string
}

// build is the host's rule for a new event, whoever creates it (HTTP, a job, an import): it
// returns the event of orgID created at now, or a validation_error naming every bad field.
// The slug follows orgkit's organization slug rules; its uniqueness within the organization
// is the database's (event_slug_taken).
func (n newEvent) build(orgID int64, now time.Time) (event, error) {
	var v domain.Validation
	domain.ValidateDisplayText(&v, "name", n.Name, eventNameMin, eventNameMax)
	domain.ValidateSlug(&v, n.Slug)
	validateDescription(&v, n.Description)
	validateWebsite(&v, n.Website)
	e := event{OrganizationID: orgID, Name: n.Name, Slug: n.Slug, Description: n.Description, Website: n.Website,
		CreatedAt: now, UpdatedAt: now}
	if n.ContactEmail != nil {
		email, err := domain.ParseEmail("contact_email", *n.ContactEmail)
		v.Merge(err)
		e.ContactEmail = &email
	}
	e.StartDate = parseDate(&v, "start_date", n.StartDate, false)
	e.EndDate = parseDate(&v, "end_date", n.EndDate, true)
	if e.StartDate != nil && e.EndDate != nil && e.EndDate.Before(*e.StartDate) {
		v.Add("end_date", "end_date must not be before start_date")
	}
	return e, v.Err()
}

// dateLayout is the date-only form start_date and end_date accept besides RFC 3339.
const dateLayout = "2006-01-02"

// parseDate reads an RFC 3339 timestamp or a date, kept in UTC to the second (what the JSON
// answer shows), within the years 1-9999 that RFC 3339 and both databases hold alike. A
// date alone is its first second (UTC) as a start and its last as an end, so a one-day
// event ("2026-05-01" to "2026-05-01") lasts that whole day.
func parseDate(v *domain.Validation, field string, s *string, end bool) *time.Time {
	if s == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		if t, err = time.Parse(dateLayout, *s); err == nil && end {
			t = t.Add(24*time.Hour - time.Second)
		}
	}
	if err == nil {
		t = t.UTC()
	}
	if err != nil || !domain.SafeText(*s, false) || t.Year() < 1 || t.Year() > 9999 {
		v.Add(field, "%s must be an RFC 3339 timestamp (2026-05-01T09:00:00Z) or a date (2026-05-01) in the years 1-9999", field)
		return nil
	}
	t = t.Truncate(time.Second)
	return &t
}

func validateDescription(v *domain.Validation, s *string) {
	switch {
	case s == nil:
	case !domain.SafeText(*s, true):
		v.Add("description", "description must be valid UTF-8 text without control characters other than line breaks and tabs")
	case utf8.RuneCountInString(*s) > domain.DescriptionMax:
		v.Add("description", "description must be at most %d characters", domain.DescriptionMax)
	}
}

// validateWebsite accepts an absolute http or https URL with a host and no credentials.
func validateWebsite(v *domain.Validation, s *string) {
	if s == nil {
		return
	}
	u, err := url.Parse(*s)
	if err != nil || !domain.SafeText(*s, false) || len(*s) > domain.URLMax || u.User != nil || u.Hostname() == "" ||
		(!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) {
		v.Add("website", "website must be an http or https URL of at most %d characters, without a user name or password", domain.URLMax)
	}
}
