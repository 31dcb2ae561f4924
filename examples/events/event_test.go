package main

import (
	"errors"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// TestNewEvent_Build unit-tests the host's rule, which holds for every caller, without HTTP
// or a database.
func TestNewEvent_Build(t *testing.T) {
	str := func(s string) *string { return &s }
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	e, err := newEvent{Name: "Fair", Slug: "fair", StartDate: str("2026-06-01T10:00:00.9+02:00"), EndDate: str("2026-06-02"),
		ContactEmail: str("Team@Example.com")}.build(7, at)
	if err != nil {
		t.Fatal(err)
	}
	if e.OrganizationID != 7 || !e.CreatedAt.Equal(at) || *e.ContactEmail != "team@example.com" ||
		e.StartDate.Format(time.RFC3339Nano) != "2026-06-01T08:00:00Z" || e.EndDate.Format(time.RFC3339) != "2026-06-02T23:59:59Z" {
		t.Fatalf("built %+v (start %v, end %v)", e, e.StartDate, e.EndDate)
	}
	// An event is active up to and including its last second.
	for _, c := range []struct {
		now  time.Time
		want bool
	}{{at, true}, {time.Date(2026, 6, 2, 23, 59, 59, 0, time.UTC), true}, {time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC), false}} {
		if got := e.active(c.now); got != c.want {
			t.Errorf("active at %v: %v, want %v", c.now, got, c.want)
		}
	}
	if !(event{}).active(at) {
		t.Error("an event without an end must be active")
	}
	// The same day as start and end is a one-day event, not an end before its start.
	if _, err := (newEvent{Name: "Day", Slug: "day", StartDate: str("2026-06-01"), EndDate: str("2026-06-01")}).build(7, at); err != nil {
		t.Fatal(err)
	}
	_, err = newEvent{Name: "x", Slug: "-x-", Website: str("mailto:a@example.com"), StartDate: str("2026-06-02"), EndDate: str("2026-06-01T12:00:00Z")}.build(7, at)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeValidation || len(de.Details) != 4 {
		t.Fatalf("want name, slug, website and end_date refused: %v", err)
	}
}
