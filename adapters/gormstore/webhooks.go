package gormstore

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type webhookRepo repos

var _ ports.WebhookRepo = webhookRepo{}

func (r webhookRepo) CreateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
	return e, errTODO
}
func (r webhookRepo) ListEndpoints(ctx context.Context, orgID *int64) ([]domain.WebhookEndpoint, error) {
	return nil, errTODO
}
func (r webhookRepo) GetEndpoint(ctx context.Context, orgID *int64, id int64) (domain.WebhookEndpoint, error) {
	return domain.WebhookEndpoint{}, errTODO
}
func (r webhookRepo) GetEndpointForUpdate(ctx context.Context, orgID *int64, id int64) (domain.WebhookEndpoint, error) {
	return domain.WebhookEndpoint{}, errTODO
}
func (r webhookRepo) UpdateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
	return e, errTODO
}
func (r webhookRepo) DeleteEndpoint(ctx context.Context, orgID *int64, id int64) error {
	return errTODO
}
func (r webhookRepo) Subscribers(ctx context.Context, orgID *int64) ([]domain.WebhookEndpoint, error) {
	return nil, nil
}
func (r webhookRepo) AddDeliveries(ctx context.Context, ev domain.Event, endpointIDs []int64, due time.Time) error {
	return errTODO
}
func (r webhookRepo) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.WebhookDelivery, error) {
	return nil, nil
}
func (r webhookRepo) RecordAttempt(ctx context.Context, d domain.WebhookDelivery, a domain.WebhookAttempt) error {
	return errTODO
}
func (r webhookRepo) ListDeliveries(ctx context.Context, endpointID int64, q domain.DeliveryQuery) (domain.Page[domain.WebhookDelivery], error) {
	return domain.Page[domain.WebhookDelivery]{}, errTODO
}
func (r webhookRepo) GetDelivery(ctx context.Context, endpointID, id int64) (domain.WebhookDelivery, error) {
	return domain.WebhookDelivery{}, errTODO
}
func (r webhookRepo) Retry(ctx context.Context, endpointID, id int64, now time.Time) error {
	return errTODO
}
func (r webhookRepo) DeleteOrphanEndpoints(ctx context.Context) (int, error) { return 0, nil }
func (r webhookRepo) Backlog(ctx context.Context) (int64, error)             { return 0, nil }
