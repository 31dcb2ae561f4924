package main

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
)

// eventRow is an event as the host_events table holds it.
type eventRow struct {
	ID             int64 `gorm:"primaryKey"`
	OrganizationID int64
	Name, Slug     string
	Description    *string
	StartDate      *time.Time
	EndDate        *time.Time
	Website        *string
	ContactEmail   *string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
}

func (eventRow) TableName() string { return "host_events" }

// toRow and toEvent convert between the record and its row: the same fields, so a field
// added to one and not the other stops the build.
func toRow(e event) eventRow { return eventRow(e) }

func (r eventRow) toEvent() event { return event(r) }

// eventQuery selects a page of one organization's events.
type eventQuery struct {
	Page, PageSize int
	Search         string // case-insensitive substring of name or description
	Active         *bool  // nil: every event; see event.active
}

// events is the host's persistence of events, on the host's own pool.
type events struct{ db *gorm.DB }

// create inserts e and returns it with its id.
// Errors: event_slug_taken, organization_not_found (deleted meanwhile).
func (s events) create(ctx context.Context, e event) (event, error) {
	row := toRow(e)
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return event{}, dbErr(err)
	}
	return row.toEvent(), nil
}

// list answers a page of orgID's events in creation order, with the total of the filter;
// active is judged at now.
func (s events) list(ctx context.Context, orgID int64, q eventQuery, now time.Time) (domain.Page[event], error) {
	page := domain.Page[event]{Page: q.Page, PageSize: q.PageSize, Items: []event{}}
	filter := func() *gorm.DB {
		db := s.db.WithContext(ctx).Model(&eventRow{}).Where("organization_id = ?", orgID)
		if q.Search != "" {
			like := "%" + escapeLike(strings.ToLower(q.Search)) + "%"
			db = db.Where(`(lower(name) LIKE ? ESCAPE '\' OR lower(description) LIKE ? ESCAPE '\')`, like, like)
		}
		if q.Active != nil && *q.Active {
			db = db.Where("(end_date IS NULL OR end_date >= ?)", now.UTC())
		} else if q.Active != nil {
			db = db.Where("end_date < ?", now.UTC())
		}
		return db
	}
	if err := filter().Count(&page.Total).Error; err != nil {
		return page, dbErr(err)
	}
	var rows []eventRow
	if err := filter().Order("id").Offset((q.Page - 1) * q.PageSize).Limit(q.PageSize).Find(&rows).Error; err != nil {
		return page, dbErr(err)
	}
	for _, r := range rows {
		page.Items = append(page.Items, r.toEvent())
	}
	return page, nil
}

// deleteEvents is the OrganizationDeleting hook: an organization's events go in orgkit's
// transaction, tx, so they go if and only if the organization does.
func deleteEvents(ctx context.Context, tx *gorm.DB, orgID int64) error {
	return tx.WithContext(ctx).Where("organization_id = ?", orgID).Delete(&eventRow{}).Error
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
