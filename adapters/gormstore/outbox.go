package gormstore

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type outboxRepo repos

var _ ports.OutboxRepo = outboxRepo{}

type outboxRow struct {
	ID            int64 `gorm:"primaryKey"`
	Kind          string
	Payload       []byte
	Attempts      int
	NextAttemptAt *time.Time // nil: given up
	LastError     *string
	CreatedAt     time.Time
}

func (outboxRow) TableName() string { return "orgkit_outbox" }

func outboxToRow(item domain.OutboxItem) outboxRow {
	row := outboxRow{ID: item.ID, Kind: string(item.Kind), Payload: item.Payload, Attempts: item.Attempts,
		NextAttemptAt: nextAttempt(item.NextAttemptAt), LastError: item.LastError, CreatedAt: item.CreatedAt.UTC()}
	if row.Payload == nil {
		row.Payload = []byte{}
	}
	return row
}

func (r outboxRow) toDomain() domain.OutboxItem {
	item := domain.OutboxItem{ID: r.ID, Kind: domain.OutboxKind(r.Kind), Payload: r.Payload, Attempts: r.Attempts,
		LastError: r.LastError, CreatedAt: r.CreatedAt.UTC()}
	if r.NextAttemptAt != nil {
		item.NextAttemptAt = r.NextAttemptAt.UTC()
	}
	return item
}

// nextAttempt is the stored form of a next attempt: NULL for the zero time (given up).
func nextAttempt(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// Add stores an item with a zero NextAttemptAt as due at its CreatedAt: a new item is never
// given up before its first attempt.
func (r outboxRepo) Add(ctx context.Context, item domain.OutboxItem) (domain.OutboxItem, error) {
	if item.NextAttemptAt.IsZero() {
		item.NextAttemptAt = item.CreatedAt
	}
	row := outboxToRow(item)
	row.ID = 0
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		return item, dbErr("insert outbox item", err)
	}
	return row.toDomain(), nil
}

// ClaimDue: see claimDue.
func (r outboxRepo) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.OutboxItem, error) {
	rows, err := claimDue(ctx, repos(r), "orgkit_outbox", "next_attempt_at", now, leaseUntil, limit, func(o outboxRow) int64 { return o.ID })
	if err != nil {
		return nil, err
	}
	out := make([]domain.OutboxItem, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out, nil
}

func (r outboxRepo) Delete(ctx context.Context, id int64) error {
	return dbErr("delete outbox item", r.db.WithContext(ctx).Exec("DELETE FROM orgkit_outbox WHERE id = ?", id).Error)
}

// Backlog counts the items not given up, from the partial index the claim reads.
func (r outboxRepo) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.WithContext(ctx).Raw("SELECT count(*) FROM orgkit_outbox WHERE next_attempt_at IS NOT NULL").Scan(&n).Error
	return n, dbErr("count outbox items", err)
}

func (r outboxRepo) Failed(ctx context.Context, id int64, attempts int, next time.Time, lastError string) error {
	err := r.db.WithContext(ctx).Exec("UPDATE orgkit_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
		attempts, nextAttempt(next), lastError, id).Error
	return dbErr("record outbox failure", err)
}
