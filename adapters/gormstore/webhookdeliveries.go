package gormstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
)

type webhookDeliveryRow struct {
	ID             int64 `gorm:"primaryKey"`
	EndpointID     int64
	EventID        int64
	OrganizationID *int64
	Status         string
	Attempts       int
	NextAttemptAt  *time.Time // NULL once delivered or failed
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (webhookDeliveryRow) TableName() string { return "orgkit_webhook_deliveries" }

func (r webhookDeliveryRow) toDomain() domain.WebhookDelivery {
	d := domain.WebhookDelivery{ID: r.ID, EndpointID: r.EndpointID, EventID: r.EventID, OrganizationID: r.OrganizationID,
		Status: domain.WebhookDeliveryStatus(r.Status), Attempts: r.Attempts, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.NextAttemptAt != nil {
		d.NextAttemptAt = r.NextAttemptAt.UTC()
	}
	return d
}

type webhookAttemptRow struct {
	ID         int64 `gorm:"primaryKey"`
	DeliveryID int64
	StatusCode int
	LatencyUS  int64 `gorm:"column:latency_us"`
	Response   string
	Error      string
	CreatedAt  time.Time
}

func (webhookAttemptRow) TableName() string { return "orgkit_webhook_attempts" }

func attemptToRow(a domain.WebhookAttempt) webhookAttemptRow {
	return webhookAttemptRow{ID: a.ID, DeliveryID: a.DeliveryID, StatusCode: a.StatusCode, LatencyUS: a.Latency.Microseconds(),
		Response: storableText(a.Response), Error: storableText(a.Error), CreatedAt: storedTime(a.CreatedAt)}
}

func (r webhookAttemptRow) toDomain() domain.WebhookAttempt {
	return domain.WebhookAttempt{ID: r.ID, DeliveryID: r.DeliveryID, StatusCode: r.StatusCode,
		Latency: time.Duration(r.LatencyUS) * time.Microsecond, Response: r.Response, Error: r.Error, CreatedAt: r.CreatedAt.UTC()}
}

// storableText is s as a TEXT column takes it on both databases: a receiver may answer
// anything, but Postgres refuses NUL bytes and invalid UTF-8 (which becomes U+FFFD).
func storableText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// AddDeliveries inserts one pending delivery for each endpoint that still exists. An endpoint
// deleted meanwhile (after the caller read Subscribers) is skipped instead of failing the
// change that raised the event: on Postgres the endpoints are locked FOR KEY SHARE first, so
// a delete that commits before the insert is seen and one that has not waits.
func (r webhookRepo) AddDeliveries(ctx context.Context, ev domain.Event, endpointIDs []int64, due time.Time) error {
	if len(endpointIDs) == 0 {
		return nil
	}
	lock, dueParam := "", "?"
	if r.dialect == Postgres {
		lock, dueParam = " FOR KEY SHARE", "?::timestamptz" // a CASE branch's parameter has no type of its own
	}
	created := storedTime(ev.CreatedAt)
	if r.dialect == Postgres {
		// Hold each pair's lock, shared (changes queue side by side), until commit: the
		// attempt that finishes the pair's head takes it exclusively before it promotes the
		// next, so it waits for this delivery instead of missing it (which would then wait,
		// not due, forever), and one that finished before is seen by the insert below.
		// Locking the head rows instead missed a head promoted while that lock waited.
		if err := r.db.WithContext(ctx).Exec(`SELECT pg_advisory_xact_lock_shared(`+pairLockKey("id")+`)
			FROM orgkit_webhook_endpoints WHERE id IN ? ORDER BY id`, orgKey(ev.OrganizationID), endpointIDs).Error; err != nil {
			return dbErr("lock the webhook delivery queues", err)
		}
	}
	// A delivery behind a pending one of its endpoint and organization waits, not due (NULL),
	// until RecordAttempt finishes the one before it: claims then never walk a backlog.
	err := r.db.WithContext(ctx).Exec(`WITH e AS (SELECT id FROM orgkit_webhook_endpoints WHERE id IN ?`+lock+`)
		INSERT INTO orgkit_webhook_deliveries (endpoint_id, event_id, organization_id, status, attempts, next_attempt_at, created_at, updated_at)
		SELECT e.id, ?, ?, 'pending', 0, CASE WHEN EXISTS (SELECT 1 FROM orgkit_webhook_deliveries p
			WHERE p.status = 'pending' AND p.endpoint_id = e.id AND COALESCE(p.organization_id, 0) = ?) THEN NULL ELSE `+dueParam+` END, ?, ?
		FROM e ORDER BY e.id`,
		endpointIDs, ev.ID, ev.OrganizationID, orgKey(ev.OrganizationID), storedTime(due), created, created).Error
	return dbErr("insert webhook deliveries", err)
}

// ClaimDue leases, in one statement, the due pending deliveries of enabled endpoints that
// are the oldest pending one (by event) of their endpoint and organization. A leased
// delivery stays pending, so it blocks the newer ones of its pair until RecordAttempt
// finishes it: that keeps each pair in order across replicas. On Postgres SKIP LOCKED lets
// concurrent claims pass each other's rows (a row leased meanwhile is re-checked and is no
// longer due); SQLite has one writer at a time.
func (r webhookRepo) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.WebhookDelivery, error) {
	lock := ""
	if r.dialect == Postgres {
		lock = " FOR UPDATE OF d SKIP LOCKED"
	}
	var rows []webhookDeliveryRow
	err := r.db.WithContext(ctx).Raw(`UPDATE orgkit_webhook_deliveries SET next_attempt_at = ? WHERE id IN (
		SELECT d.id FROM orgkit_webhook_deliveries d JOIN orgkit_webhook_endpoints e ON e.id = d.endpoint_id
		WHERE d.status = 'pending' AND d.next_attempt_at <= ? AND NOT e.disabled
		AND NOT EXISTS (SELECT 1 FROM orgkit_webhook_deliveries p WHERE p.status = 'pending'
			AND p.endpoint_id = d.endpoint_id AND COALESCE(p.organization_id, 0) = COALESCE(d.organization_id, 0)
			AND p.event_id < d.event_id)
		ORDER BY d.next_attempt_at, d.id LIMIT ?`+lock+`) RETURNING *`, storedTime(leaseUntil), storedTime(now), limit).Scan(&rows).Error
	if err != nil {
		return nil, dbErr("claim due webhook deliveries", err)
	}
	slices.SortFunc(rows, func(a, b webhookDeliveryRow) int {
		return cmp.Or(cmp.Compare(a.EventID, b.EventID), cmp.Compare(a.ID, b.ID))
	})
	claimed, err := r.withDetails(ctx, rows, false)
	for i := range claimed {
		claimed[i].LeaseUntil = claimed[i].NextAttemptAt
	}
	return claimed, err
}

// RecordAttempt writes the attempt and the delivery's new state together. Errors:
// webhook_delivery_not_found when the delivery is gone (its endpoint was deleted), or, for a
// claimed delivery, when its lease is no longer the claim's (it ran out, or a retry reset it).
func (r webhookRepo) RecordAttempt(ctx context.Context, d domain.WebhookDelivery, a domain.WebhookAttempt) error {
	a.DeliveryID = d.ID
	attempt := attemptToRow(a)
	attempt.ID = 0
	// A savepoint when the caller is in a transaction already.
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if r.dialect == Postgres && d.Status != domain.DeliveryPending {
			// It leaves the queue and promotes the next: wait for the changes queueing
			// behind it to commit (AddDeliveries), so the promotion sees them.
			if err := tx.Exec(`SELECT pg_advisory_xact_lock(`+pairLockKey("?::bigint")+`)`, d.EndpointID, orgKey(d.OrganizationID)).Error; err != nil {
				return dbErr("lock the webhook delivery queue", err)
			}
		}
		q := "UPDATE orgkit_webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, updated_at = ? WHERE id = ?"
		args := []any{string(d.Status), d.Attempts, nextAttempt(storedTime(d.NextAttemptAt)), storedTime(d.UpdatedAt), d.ID}
		if !d.LeaseUntil.IsZero() { // only while this claim's lease holds: a late attempt loses
			q += " AND status = 'pending' AND next_attempt_at = ?"
			args = append(args, storedTime(d.LeaseUntil))
		}
		res := tx.Exec(q, args...)
		if res.Error != nil {
			return dbErr("update webhook delivery", res.Error)
		}
		if res.RowsAffected == 0 {
			return domain.ErrWebhookDeliveryNotFound
		}
		if err := tx.Create(&attempt).Error; err != nil {
			return dbErr("insert webhook attempt", err)
		}
		if d.Status == domain.DeliveryPending {
			return nil
		}
		return promoteNext(tx, d)
	})
	return dbErr("record webhook attempt", err)
}

// promoteNext makes the oldest waiting delivery of d's endpoint and organization due (since
// its event), once
// d left the queue and no other of the pair is due or leased (a retried older one finishes
// first and promotes then).
func promoteNext(tx *gorm.DB, d domain.WebhookDelivery) error {
	err := tx.Exec(`UPDATE orgkit_webhook_deliveries SET next_attempt_at = created_at WHERE id = (
		SELECT id FROM orgkit_webhook_deliveries WHERE status = 'pending' AND next_attempt_at IS NULL
			AND endpoint_id = ? AND COALESCE(organization_id, 0) = ? ORDER BY event_id LIMIT 1)
		AND NOT EXISTS (SELECT 1 FROM orgkit_webhook_deliveries WHERE status = 'pending' AND next_attempt_at IS NOT NULL
			AND endpoint_id = ? AND COALESCE(organization_id, 0) = ?)`,
		d.EndpointID, orgKey(d.OrganizationID), d.EndpointID, orgKey(d.OrganizationID)).Error
	return dbErr("promote the next webhook delivery", err)
}

// pairLockKey is the Postgres advisory lock of one endpoint and organization's queue: the
// endpoint id is the SQL expression endpoint, the organization (orgKey) the next parameter.
func pairLockKey(endpoint string) string {
	return "hashtextextended('orgkit_webhook_queue:' || " + endpoint + " || ':' || ?::bigint, 0)"
}

// orgKey is an organization id as the queue's pairs compare it: 0 for the platform.
func orgKey(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

func (r webhookRepo) ListDeliveries(ctx context.Context, endpointID int64, q domain.DeliveryQuery) (domain.Page[domain.WebhookDelivery], error) {
	page := domain.Page[domain.WebhookDelivery]{Page: q.Page, PageSize: q.PageSize, Items: []domain.WebhookDelivery{}}
	f := r.db.WithContext(ctx).Table("orgkit_webhook_deliveries").Where("endpoint_id = ?", endpointID)
	if q.Status != "" {
		f = f.Where("status = ?", string(q.Status))
	}
	if err := f.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return page, dbErr("count webhook deliveries", err)
	}
	var rows []webhookDeliveryRow
	if err := f.Order("id DESC").Limit(q.PageSize).Offset(q.Offset()).Find(&rows).Error; err != nil {
		return page, dbErr("list webhook deliveries", err)
	}
	items, err := r.withDetails(ctx, rows, true)
	if err != nil {
		return page, err
	}
	page.Items = items
	return page, nil
}

func (r webhookRepo) GetDelivery(ctx context.Context, endpointID, id int64) (domain.WebhookDelivery, error) {
	var row webhookDeliveryRow
	if err := r.db.WithContext(ctx).Where("endpoint_id = ? AND id = ?", endpointID, id).Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.WebhookDelivery{}, domain.ErrWebhookDeliveryNotFound
		}
		return domain.WebhookDelivery{}, dbErr("select webhook delivery", err)
	}
	out, err := r.withDetails(ctx, []webhookDeliveryRow{row}, true)
	if err != nil {
		return domain.WebhookDelivery{}, err
	}
	return out[0], nil
}

// withDetails converts rows, in their order, with each one's Event and, when attempts is
// set, its AttemptLog oldest first: one query for all the events, one for all the attempts.
func (r webhookRepo) withDetails(ctx context.Context, rows []webhookDeliveryRow, attempts bool) ([]domain.WebhookDelivery, error) {
	out := make([]domain.WebhookDelivery, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids, eventIDs := make([]int64, 0, len(rows)), make([]int64, 0, len(rows))
	for _, row := range rows {
		ids, eventIDs = append(ids, row.ID), append(eventIDs, row.EventID)
	}
	events, err := eventsByID(ctx, r.db, eventIDs)
	if err != nil {
		return nil, err
	}
	logs := map[int64][]domain.WebhookAttempt{}
	if attempts {
		var arows []webhookAttemptRow
		if err := r.db.WithContext(ctx).Where("delivery_id IN ?", ids).Order("id").Find(&arows).Error; err != nil {
			return nil, dbErr("select webhook attempts", err)
		}
		for _, a := range arows {
			logs[a.DeliveryID] = append(logs[a.DeliveryID], a.toDomain())
		}
	}
	for _, row := range rows {
		d := row.toDomain()
		d.Event = events[row.EventID]
		if attempts {
			d.AttemptLog = logs[row.ID]
			if d.AttemptLog == nil {
				d.AttemptLog = []domain.WebhookAttempt{}
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func (r webhookRepo) Retry(ctx context.Context, endpointID, id int64, now time.Time) error {
	at := storedTime(now)
	res := r.db.WithContext(ctx).Exec("UPDATE orgkit_webhook_deliveries SET status = ?, next_attempt_at = ?, updated_at = ? WHERE endpoint_id = ? AND id = ?",
		string(domain.DeliveryPending), at, at, endpointID, id)
	if res.Error != nil {
		return dbErr("retry webhook delivery", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrWebhookDeliveryNotFound
	}
	return nil
}
