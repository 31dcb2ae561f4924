package gormstore

import (
	"context"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/ports"
)

// webhookRepo stores webhook endpoints (webhookendpoints.go) and their deliveries and
// attempts (webhookdeliveries.go).
type webhookRepo repos

var _ ports.WebhookRepo = webhookRepo{}

// ownedBy scopes q to the endpoints of one owner: an organization, or nil for the
// platform's (organization_id IS NULL), so that an endpoint of another owner is not found.
func ownedBy(q *gorm.DB, orgID *int64) *gorm.DB {
	if orgID == nil {
		return q.Where("organization_id IS NULL")
	}
	return q.Where("organization_id = ?", *orgID)
}

// DeleteOrphanEndpoints removes organization endpoints whose organization is gone once no
// delivery of theirs is pending; the cascade takes their deliveries and attempts.
func (r webhookRepo) DeleteOrphanEndpoints(ctx context.Context) (int, error) {
	res := r.db.WithContext(ctx).Exec(`DELETE FROM orgkit_webhook_endpoints WHERE organization_id IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM orgkit_organizations o WHERE o.id = orgkit_webhook_endpoints.organization_id)
		AND NOT EXISTS (SELECT 1 FROM orgkit_webhook_deliveries d
			WHERE d.endpoint_id = orgkit_webhook_endpoints.id AND d.status = 'pending')`)
	if res.Error != nil {
		return 0, dbErr("delete orphan webhook endpoints", res.Error)
	}
	return int(res.RowsAffected), nil
}

// Backlog counts pending deliveries, from the partial index the claim reads.
func (r webhookRepo) Backlog(ctx context.Context) (int64, error) {
	var n int64
	err := r.db.WithContext(ctx).Raw("SELECT count(*) FROM orgkit_webhook_deliveries WHERE status = 'pending'").Scan(&n).Error
	return n, dbErr("count pending webhook deliveries", err)
}
