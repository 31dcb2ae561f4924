package gormstore

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// claimDue moves the next-attempt column of up to limit due rows of table to leaseUntil in
// the same statement that selects them, and returns those rows in id order: the one work
// queue of domain re-checks and the outbox. On Postgres, SKIP LOCKED lets concurrent claims
// pass each other's rows instead of waiting and then claiming them again; SQLite has one
// writer at a time. A NULL in column is never due (given up).
func claimDue[R any](ctx context.Context, r repos, table, column string, now, leaseUntil time.Time, limit int, id func(R) int64) ([]R, error) {
	lock := ""
	if r.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	var rows []R
	err := r.db.WithContext(ctx).Raw(`UPDATE `+table+` SET `+column+` = ? WHERE id IN (
		SELECT id FROM `+table+` WHERE `+column+` IS NOT NULL AND `+column+` <= ?
		ORDER BY `+column+`, id LIMIT ?`+lock+`) RETURNING *`, leaseUntil.UTC(), now.UTC(), limit).Scan(&rows).Error
	if err != nil {
		return nil, dbErr("claim due rows of "+table, err)
	}
	slices.SortFunc(rows, func(a, b R) int { return cmp.Compare(id(a), id(b)) })
	return rows, nil
}
