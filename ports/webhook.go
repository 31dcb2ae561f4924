package ports

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// EventRepo is the stream of change events (domain.Event), append-only like the audit log.
type EventRepo interface {
	// Add inserts e in the caller's transaction and returns it with its ID.
	Add(ctx context.Context, e domain.Event) (domain.Event, error)
	// List returns one page of events matching q (an organization's, or with
	// q.OrganizationID nil every event), newest first, with the total.
	List(ctx context.Context, q domain.EventQuery) (domain.Page[domain.Event], error)
}

// WebhookRepo stores webhook endpoints and their deliveries. Endpoint methods take the
// endpoint's owner: an organization id, or nil for the platform's endpoints; an endpoint of
// another owner is not found. Endpoints do not go with their organization's row: they stay
// until the deliveries queued before the organization was deleted (its organization.deleted
// event among them) are done, then DeleteOrphanEndpoints removes them.
type WebhookRepo interface {
	// CreateEndpoint inserts e and returns it with its id and timestamps.
	CreateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error)
	// ListEndpoints returns the owner's endpoints in id order.
	ListEndpoints(ctx context.Context, orgID *int64) ([]domain.WebhookEndpoint, error)
	// EndpointsAfter returns up to limit endpoints of every owner with ID > afterID, in id
	// order (re-sealing their secrets after a vault key rotation).
	EndpointsAfter(ctx context.Context, afterID int64, limit int) ([]domain.WebhookEndpoint, error)
	// GetEndpoint returns one endpoint of the owner. Errors: webhook_endpoint_not_found.
	GetEndpoint(ctx context.Context, orgID *int64, id int64) (domain.WebhookEndpoint, error)
	// GetEndpointForUpdate is GetEndpoint that also locks the row until the transaction ends
	// (Postgres). Errors: webhook_endpoint_not_found.
	GetEndpointForUpdate(ctx context.Context, orgID *int64, id int64) (domain.WebhookEndpoint, error)
	// UpdateEndpoint writes every field of e but its owner and created_at.
	// Errors: webhook_endpoint_not_found.
	UpdateEndpoint(ctx context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error)
	// DeleteEndpoint removes the owner's endpoint with its deliveries and their attempts.
	// Errors: webhook_endpoint_not_found.
	DeleteEndpoint(ctx context.Context, orgID *int64, id int64) error
	// Subscribers returns the enabled endpoints an event of organization orgID reaches (its
	// own endpoints and the platform's), or with orgID nil the platform's, in id order; the
	// caller filters by event type (WebhookEndpoint.Wants).
	Subscribers(ctx context.Context, orgID *int64) ([]domain.WebhookEndpoint, error)
	// AddDeliveries queues the stored event ev for each endpoint, pending and due at due.
	AddDeliveries(ctx context.Context, ev domain.Event, endpointIDs []int64, due time.Time) error
	// ClaimDue returns up to limit pending deliveries due at now whose endpoint is enabled,
	// each the oldest pending delivery (by event) of its endpoint and organization, with its
	// Event, and moves their next attempt to leaseUntil. So concurrent claims, on any
	// replica, never return one delivery twice nor a delivery while an older one of its
	// endpoint and organization is still pending: each pair's events go out one at a time,
	// in order. Each returned delivery's LeaseUntil is leaseUntil as stored.
	ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.WebhookDelivery, error)
	// RecordAttempt inserts a (its DeliveryID is d.ID) and writes d's status, attempts,
	// next attempt (zero: none) and updated_at; with d.LeaseUntil set (a claimed delivery),
	// only while the delivery is pending under that lease. Errors: webhook_delivery_not_found
	// (its endpoint was deleted meanwhile, or the lease is no longer this claim's).
	RecordAttempt(ctx context.Context, d domain.WebhookDelivery, a domain.WebhookAttempt) error
	// ListDeliveries returns one page of the endpoint's deliveries matching q, newest first,
	// each with its Event and AttemptLog.
	ListDeliveries(ctx context.Context, endpointID int64, q domain.DeliveryQuery) (domain.Page[domain.WebhookDelivery], error)
	// GetDelivery returns one delivery of the endpoint with its Event and AttemptLog.
	// Errors: webhook_delivery_not_found.
	GetDelivery(ctx context.Context, endpointID, id int64) (domain.WebhookDelivery, error)
	// Retry makes one delivery of the endpoint pending again, due at now, whatever its
	// status; its attempts so far are kept. Errors: webhook_delivery_not_found.
	Retry(ctx context.Context, endpointID, id int64, now time.Time) error
	// DeleteOrphanEndpoints removes the endpoints of organizations that no longer exist and
	// have no pending delivery left, and returns how many it removed.
	DeleteOrphanEndpoints(ctx context.Context) (int, error)
	// Backlog counts pending deliveries (for metrics and tests).
	Backlog(ctx context.Context) (int64, error)
}

// WebhookRequest is one signed delivery attempt.
type WebhookRequest struct {
	URL       string
	MsgID     string    // webhook-id: the event's PublicID, the same on every attempt
	Timestamp time.Time // webhook-timestamp, in seconds
	Body      []byte
	// Secrets sign the attempt, each "whsec_" + base64 of the key: two during a rotation's
	// overlap, so the receiver may verify with either.
	Secrets []string
}

// WebhookResponse is what a receiver answered.
type WebhookResponse struct {
	StatusCode int
	Body       []byte // at most domain.WebhookResponseMax bytes of the answer
	Latency    time.Duration
}

// WebhookSender delivers signed events (Standard Webhooks) over HTTP.
type WebhookSender interface {
	// Send POSTs req.Body as application/json with the webhook-id, webhook-timestamp and
	// webhook-signature headers, within domain.WebhookAttemptTimeout and ctx, and returns
	// the answer whatever its status; a redirect is an answer, never followed. An error
	// means no answer: the URL was refused (a private, loopback or link-local address after
	// DNS resolution, unless the sender allows them), or the connection failed or timed out.
	Send(ctx context.Context, req WebhookRequest) (WebhookResponse, error)
}

// ResourceRenderer shows a resource as the API shows it, for the data of events.
type ResourceRenderer interface {
	// Render returns the JSON of v, one of domain.Organization, domain.Member,
	// domain.Invitation, domain.Invite, domain.CustomDomain, domain.APIKey, domain.User and
	// domain.WebhookEndpoint, never with a secret. Errors: an unknown type.
	Render(v any) ([]byte, error)
}
