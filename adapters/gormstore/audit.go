package gormstore

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type auditRepo repos

var _ ports.AuditRepo = auditRepo{}

type auditRow struct {
	ID             int64 `gorm:"primaryKey"`
	OrganizationID *int64
	ActorUserID    *int64
	ActorEmail     *string
	Action         string
	TargetType     string
	TargetID       string
	RequestID      string
	IP             string `gorm:"column:ip"`
	UserAgent      string
	Changes        string
	PrevHash       string
	Hash           string
	CreatedAt      time.Time
}

func (auditRow) TableName() string { return "orgkit_audit_logs" }

func auditToRow(r domain.AuditRecord) auditRow {
	changes, _ := json.Marshal(r.Changes)
	return auditRow{ID: r.ID, OrganizationID: r.OrganizationID, ActorUserID: r.ActorUserID, ActorEmail: r.ActorEmail,
		Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, RequestID: r.RequestID, IP: r.IP,
		UserAgent: r.UserAgent, Changes: string(changes), PrevHash: r.PrevHash, Hash: r.Hash, CreatedAt: r.CreatedAt.UTC()}
}

func (r auditRow) toDomain() domain.AuditRecord {
	var changes []string
	_ = json.Unmarshal([]byte(r.Changes), &changes) // a tampered value shows as a broken hash
	return domain.AuditRecord{ID: r.ID, OrganizationID: r.OrganizationID, ActorUserID: r.ActorUserID, ActorEmail: r.ActorEmail,
		Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, RequestID: r.RequestID, IP: r.IP,
		UserAgent: r.UserAgent, Changes: changes, PrevHash: r.PrevHash, Hash: r.Hash, CreatedAt: r.CreatedAt.UTC()}
}

// chainLockBase namespaces the advisory locks of the audit chains.
const chainLockBase = int64(0x6f726700) << 32

func (r auditRepo) Append(ctx context.Context, rec domain.AuditRecord) (domain.AuditRecord, error) {
	db := r.db.WithContext(ctx)
	if r.dialect == Postgres {
		// Serialize appends to one chain until commit; SQLite's immediate transactions
		// already serialize every writer.
		if err := db.Exec("SELECT pg_advisory_xact_lock(?)", chainLockBase|rec.ChainKey()&0xffffffff).Error; err != nil {
			return rec, dbErr("lock audit chain", err)
		}
	}
	q := db.Table("orgkit_audit_logs").Order("id DESC").Limit(1)
	if rec.OrganizationID == nil {
		q = q.Where("organization_id IS NULL")
	} else {
		q = q.Where("organization_id = ?", *rec.OrganizationID)
	}
	var prev []string
	if err := q.Pluck("hash", &prev).Error; err != nil {
		return rec, dbErr("read audit chain", err)
	}
	rec.PrevHash = ""
	if len(prev) > 0 {
		rec.PrevHash = prev[0]
	}
	rec.CreatedAt = rec.CreatedAt.UTC().Truncate(domain.AuditTimePrecision)
	rec.Hash = rec.ComputeHash()
	row := auditToRow(rec)
	row.ID = 0
	if err := db.Create(&row).Error; err != nil {
		return rec, dbErr("append audit record", err)
	}
	rec.ID = row.ID
	return rec, nil
}

func (r auditRepo) List(ctx context.Context, q domain.AuditQuery) (domain.Page[domain.AuditRecord], error) {
	page := domain.Page[domain.AuditRecord]{Page: q.Page, PageSize: q.PageSize, Items: []domain.AuditRecord{}}
	f := r.db.WithContext(ctx).Table("orgkit_audit_logs")
	if q.OrganizationID != nil {
		f = f.Where("organization_id = ?", *q.OrganizationID)
	}
	if q.Action != "" {
		f = f.Where("action = ?", q.Action)
	}
	if q.ActorUserID != nil {
		f = f.Where("actor_user_id = ?", *q.ActorUserID)
	}
	if q.ActorEmail != "" {
		f = f.Where("actor_email = ?", q.ActorEmail) // normalized by the caller: exact, as stored
	}
	if q.From != nil {
		f = f.Where("created_at >= ?", q.From.UTC())
	}
	if q.To != nil {
		f = f.Where("created_at <= ?", q.To.UTC())
	}
	if err := f.Session(&gorm.Session{}).Count(&page.Total).Error; err != nil {
		return page, dbErr("count audit records", err)
	}
	var rows []auditRow
	if err := f.Order("id DESC").Limit(q.PageSize).Offset(q.Offset()).Find(&rows).Error; err != nil {
		return page, dbErr("list audit records", err)
	}
	for _, row := range rows {
		page.Items = append(page.Items, row.toDomain())
	}
	return page, nil
}

func (r auditRepo) Scan(ctx context.Context, afterID int64, limit int) ([]domain.AuditRecord, error) {
	var rows []auditRow
	if err := r.db.WithContext(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, dbErr("scan audit records", err)
	}
	out := make([]domain.AuditRecord, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out, nil
}
