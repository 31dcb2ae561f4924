package gormstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type eventRepo repos

var _ ports.EventRepo = eventRepo{}

type eventRow struct {
	ID             int64 `gorm:"primaryKey"`
	PublicID       string
	Type           string
	OrganizationID *int64
	ActorUserID    *int64
	ActorEmail     *string
	Payload        string // TEXT: the exact bytes, as written
	CreatedAt      time.Time
}

func (eventRow) TableName() string { return "orgkit_events" }

func eventToRow(e domain.Event) eventRow {
	return eventRow{ID: e.ID, PublicID: e.PublicID, Type: e.Type, OrganizationID: e.OrganizationID,
		ActorUserID: e.ActorUserID, ActorEmail: e.ActorEmail, Payload: string(e.Payload), CreatedAt: storedTime(e.CreatedAt)}
}

func (r eventRow) toDomain() domain.Event {
	return domain.Event{ID: r.ID, PublicID: r.PublicID, Type: r.Type, OrganizationID: r.OrganizationID,
		ActorUserID: r.ActorUserID, ActorEmail: r.ActorEmail, Payload: []byte(r.Payload), CreatedAt: r.CreatedAt.UTC()}
}

// storedTime is t as both databases keep it: UTC, to the microsecond (Postgres rounds
// anything finer), so what a repository returns equals what it reads back later.
func storedTime(t time.Time) time.Time { return t.UTC().Truncate(domain.AuditTimePrecision) }

// storedTimePtr is storedTime of an optional time.
func storedTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := storedTime(*t)
	return &u
}

// errPayload refuses a payload a TEXT column cannot hold as it is (Postgres takes neither a
// NUL byte nor invalid UTF-8); a payload made by encoding/json never is one.
var errPayload = errors.New("event payload must be JSON in UTF-8")

func (r eventRepo) Add(ctx context.Context, e domain.Event) (domain.Event, error) {
	if !json.Valid(e.Payload) || !utf8.Valid(e.Payload) || bytes.IndexByte(e.Payload, 0) >= 0 {
		return e, errPayload
	}
	row := eventToRow(e)
	row.ID = 0
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		return e, dbErr("insert event", err)
	}
	return row.toDomain(), nil
}

func (r eventRepo) List(ctx context.Context, q domain.EventQuery) (domain.Page[domain.Event], error) {
	page := domain.Page[domain.Event]{Page: q.Page, PageSize: q.PageSize, Items: []domain.Event{}}
	f := r.db.WithContext(ctx).Table("orgkit_events")
	if q.OrganizationID != nil {
		f = f.Where("organization_id = ?", *q.OrganizationID)
	}
	if q.Type != "" {
		f = f.Where("type = ?", q.Type)
	}
	if err := f.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return page, dbErr("count events", err)
	}
	var rows []eventRow
	if err := f.Order("id DESC").Limit(q.PageSize).Offset(q.Offset()).Find(&rows).Error; err != nil {
		return page, dbErr("list events", err)
	}
	for _, row := range rows {
		page.Items = append(page.Items, row.toDomain())
	}
	return page, nil
}

// eventsByID reads the events with the given ids, for the deliveries that refer to them.
func eventsByID(ctx context.Context, db *gorm.DB, ids []int64) (map[int64]domain.Event, error) {
	out := make(map[int64]domain.Event, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []eventRow
	if err := db.WithContext(ctx).Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, dbErr("select events", err)
	}
	for _, row := range rows {
		out[row.ID] = row.toDomain()
	}
	return out, nil
}
