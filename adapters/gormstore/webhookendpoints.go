package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/orgkit/orgkit/domain"
)

type webhookEndpointRow struct {
	ID                  int64 `gorm:"primaryKey"`
	OrganizationID      *int64
	URL                 string `gorm:"column:url"`
	EventTypes          string // JSON array; [] is every type
	Description         string
	Disabled            bool
	DisabledReason      string
	Secret              []byte
	PreviousSecret      []byte
	PreviousSecretUntil *time.Time
	FailingSince        *time.Time
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

func (webhookEndpointRow) TableName() string { return "orgkit_webhook_endpoints" }

func endpointToRow(e domain.WebhookEndpoint) (webhookEndpointRow, error) {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	b, err := json.Marshal(types)
	if err != nil {
		return webhookEndpointRow{}, fmt.Errorf("encode event types: %w", err)
	}
	secret := e.Secret
	if secret == nil {
		secret = []byte{} // a placeholder until the id is known and the secret sealed to it
	}
	return webhookEndpointRow{ID: e.ID, OrganizationID: e.OrganizationID, URL: e.URL, EventTypes: string(b),
		Description: e.Description, Disabled: e.Disabled, DisabledReason: e.DisabledReason, Secret: secret,
		PreviousSecret: e.PreviousSecret, PreviousSecretUntil: storedTimePtr(e.PreviousSecretUntil),
		FailingSince: storedTimePtr(e.FailingSince), CreatedAt: storedTime(e.CreatedAt), UpdatedAt: storedTime(e.UpdatedAt)}, nil
}

func (r webhookEndpointRow) toDomain() (domain.WebhookEndpoint, error) {
	types := []string{}
	if err := json.Unmarshal([]byte(r.EventTypes), &types); err != nil {
		return domain.WebhookEndpoint{}, fmt.Errorf("decode event types of webhook endpoint %d: %w", r.ID, err)
	}
	secret := r.Secret
	if secret == nil {
		secret = []byte{} // SQLite reads an empty BLOB as nil; Postgres an empty BYTEA as empty
	}
	return domain.WebhookEndpoint{ID: r.ID, OrganizationID: r.OrganizationID, URL: r.URL, EventTypes: types,
		Description: r.Description, Disabled: r.Disabled, DisabledReason: r.DisabledReason, Secret: secret,
		PreviousSecret: r.PreviousSecret, PreviousSecretUntil: utc(r.PreviousSecretUntil), FailingSince: utc(r.FailingSince),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}, nil
}

func endpointsToDomain(rows []webhookEndpointRow) ([]domain.WebhookEndpoint, error) {
	out := make([]domain.WebhookEndpoint, 0, len(rows))
	for _, row := range rows {
		e, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (r webhookRepo) CreateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
	row, err := endpointToRow(e)
	if err != nil {
		return e, err
	}
	row.ID = 0
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		return e, dbErr("insert webhook endpoint", err)
	}
	return row.toDomain()
}

func (r webhookRepo) ListEndpoints(ctx context.Context, orgID *int64) ([]domain.WebhookEndpoint, error) {
	var rows []webhookEndpointRow
	if err := ownedBy(r.db.WithContext(ctx), orgID).Order("id").Find(&rows).Error; err != nil {
		return nil, dbErr("list webhook endpoints", err)
	}
	return endpointsToDomain(rows)
}

// EndpointsAfter: every owner's endpoints past afterID, for re-sealing.
func (r webhookRepo) EndpointsAfter(ctx context.Context, afterID int64, limit int) ([]domain.WebhookEndpoint, error) {
	var rows []webhookEndpointRow
	if err := r.db.WithContext(ctx).Where("id > ?", afterID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, dbErr("list webhook endpoints", err)
	}
	return endpointsToDomain(rows)
}

func (r webhookRepo) GetEndpoint(ctx context.Context, orgID *int64, id int64) (domain.WebhookEndpoint, error) {
	return takeEndpoint(ownedBy(r.db.WithContext(ctx), orgID).Where("id = ?", id))
}

// GetEndpointForUpdate locks FOR NO KEY UPDATE on Postgres: it serializes the endpoint's
// writers (and waits for a delete) but not the changes that queue deliveries to it, whose
// foreign key (and AddDeliveries) take FOR KEY SHARE. FOR UPDATE would make every change in
// the organization wait for an endpoint edit, and could deadlock with a change holding a
// lock the edit takes next (such as the organization's audit chain).
func (r webhookRepo) GetEndpointForUpdate(ctx context.Context, orgID *int64, id int64) (domain.WebhookEndpoint, error) {
	q := r.db.WithContext(ctx)
	if r.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "NO KEY UPDATE"})
	}
	return takeEndpoint(ownedBy(q, orgID).Where("id = ?", id))
}

func takeEndpoint(q *gorm.DB) (domain.WebhookEndpoint, error) {
	var row webhookEndpointRow
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.WebhookEndpoint{}, domain.ErrWebhookEndpointNotFound
		}
		return domain.WebhookEndpoint{}, dbErr("select webhook endpoint", err)
	}
	return row.toDomain()
}

func (r webhookRepo) UpdateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
	row, err := endpointToRow(e)
	if err != nil {
		return e, err
	}
	res := ownedBy(r.db.WithContext(ctx).Table("orgkit_webhook_endpoints"), e.OrganizationID).Where("id = ?", e.ID).
		Updates(map[string]any{"url": row.URL, "event_types": row.EventTypes, "description": row.Description,
			"disabled": row.Disabled, "disabled_reason": row.DisabledReason, "secret": row.Secret,
			"previous_secret": row.PreviousSecret, "previous_secret_until": row.PreviousSecretUntil,
			"failing_since": row.FailingSince, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		return e, dbErr("update webhook endpoint", res.Error)
	}
	if res.RowsAffected == 0 {
		return e, domain.ErrWebhookEndpointNotFound
	}
	return row.toDomain()
}

func (r webhookRepo) DeleteEndpoint(ctx context.Context, orgID *int64, id int64) error {
	res := ownedBy(r.db.WithContext(ctx), orgID).Where("id = ?", id).Delete(&webhookEndpointRow{})
	if res.Error != nil {
		return dbErr("delete webhook endpoint", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrWebhookEndpointNotFound
	}
	return nil
}

func (r webhookRepo) Subscribers(ctx context.Context, orgID *int64) ([]domain.WebhookEndpoint, error) {
	q := r.db.WithContext(ctx).Where("NOT disabled")
	if orgID == nil {
		q = q.Where("organization_id IS NULL")
	} else {
		q = q.Where("(organization_id = ? OR organization_id IS NULL)", *orgID)
	}
	var rows []webhookEndpointRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, dbErr("select webhook subscribers", err)
	}
	return endpointsToDomain(rows)
}
