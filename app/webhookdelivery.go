package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

const (
	// webhookWorkers deliver side by side, each claiming its next delivery as soon as it is
	// done with one, so a slow receiver holds up one worker, never the others' receivers.
	webhookWorkers = 8
	// webhookLease is how long a claimed delivery stays with the replica that claimed it:
	// well over one attempt's timeout (MaxWebhookTimeout).
	webhookLease = time.Minute
)

// MaxWebhookTimeout bounds WebhooksConfig.Timeout: an attempt must end well within its
// lease, or another replica would send the delivery again meanwhile.
const MaxWebhookTimeout = 30 * time.Second

// WebhooksReady receives a value after a transaction that raised events committed, so the
// deliverer (Kit.Run) sends at once rather than on its next poll.
func (s *Service) WebhooksReady() <-chan struct{} { return s.webhookWake }

func (s *Service) webhooksAdded() {
	select {
	case s.webhookWake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// DeliverWebhooks sends every delivery that is due, one at a time per endpoint and
// organization and in event order, and returns how many receivers took theirs. Replicas
// running it at once never send one delivery twice at the same time.
func (s *Service) DeliverWebhooks(ctx context.Context) (int, error) {
	if s.sender == nil || s.sealer == nil {
		return 0, nil // nothing could be signed: leave the queue to a replica that can
	}
	var mu sync.Mutex
	delivered, errs := 0, []error{}
	var wg sync.WaitGroup
	for range webhookWorkers {
		wg.Go(func() {
			n, err := s.deliverNext(ctx)
			mu.Lock()
			defer mu.Unlock()
			delivered += n
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	return delivered, wrap("deliver webhooks", errors.Join(errs...))
}

// deliverNext claims and sends one delivery after another until none is due or ctx ends.
// Each claimed delivery heads its own endpoint and organization, so workers never break an
// order.
func (s *Service) deliverNext(ctx context.Context) (int, error) {
	delivered := 0
	for ctx.Err() == nil {
		now := s.clock.Now()
		// The claim is not cancelled when ctx ends: one that commits while its caller gives up
		// would leave the delivery leased with nobody to send it.
		claimed, err := s.uow.Webhooks().ClaimDue(context.WithoutCancel(ctx), now, now.Add(webhookLease), 1)
		if err != nil || len(claimed) == 0 {
			return delivered, err
		}
		// A claimed delivery is finished even when ctx ends (the replica is stopping): its
		// attempt is bounded by the sender's timeout, while one abandoned would hold its
		// endpoint and organization's queue for the whole lease, and could reach the receiver
		// a second time when the lease ran out.
		ok, err := s.attempt(context.WithoutCancel(ctx), claimed[0])
		if err != nil {
			return delivered, err
		}
		if ok {
			delivered++
		}
	}
	return delivered, nil
}

// attempt sends one delivery and records the outcome; it reports whether the receiver took
// it. Only a failure to record is an error: a receiver's failure is an outcome.
func (s *Service) attempt(ctx context.Context, d domain.WebhookDelivery) (bool, error) {
	ep, found, err := s.deliveryEndpoint(ctx, d)
	if err != nil || !found {
		return false, err // a disabled or deleted endpoint: the lease runs out, nothing is sent
	}
	now := s.clock.Now()
	a := domain.WebhookAttempt{DeliveryID: d.ID, CreatedAt: now}
	secrets, err := s.signingSecrets(ep, now)
	if err != nil {
		// This replica's vault lacks the key: not the receiver's failure. The lease runs out
		// and a replica with the key (or this one, fixed) sends it.
		s.log.ErrorContext(ctx, "webhook delivery skipped: cannot open the signing secret", slog.Int64("endpoint_id", ep.ID), slog.Any("error", err))
		return false, nil
	}
	res, err := s.sender.Send(ctx, ports.WebhookRequest{URL: ep.URL, MsgID: d.Event.PublicID, Timestamp: now, Body: d.Event.Payload, Secrets: secrets})
	a.StatusCode, a.Latency, a.Response = res.StatusCode, res.Latency, keptResponse(res.Body)
	switch {
	case err != nil:
		a.Error = truncateText(err.Error(), domain.WebhookResponseKept)
		s.metrics.WebhookDelivery(ports.DeliveryError)
	case !a.Succeeded():
		a.Error = fmt.Sprintf("the receiver answered %d", a.StatusCode)
		s.metrics.WebhookDelivery(ports.DeliveryFailure)
	default:
		s.metrics.WebhookDelivery(ports.DeliverySuccess)
	}
	d.Attempts++
	d.UpdatedAt = s.clock.Now()
	switch {
	case a.Succeeded():
		d.Status, d.NextAttemptAt = domain.DeliveryDelivered, time.Time{}
	case d.Attempts < len(domain.WebhookSchedule):
		d.NextAttemptAt = d.UpdatedAt.Add(jittered(domain.WebhookSchedule[d.Attempts]))
	default:
		d.Status, d.NextAttemptAt = domain.DeliveryFailed, time.Time{}
	}
	if err := s.uow.Webhooks().RecordAttempt(ctx, d, a); err != nil {
		if domain.CodeOf(err) == domain.CodeWebhookDeliveryNotFound {
			return false, nil // its endpoint was deleted meanwhile
		}
		return false, err
	}
	if !a.Succeeded() {
		s.log.WarnContext(ctx, "webhook delivery failed", slog.Int64("endpoint_id", ep.ID), slog.String("event", d.Event.PublicID),
			slog.Int("attempts", d.Attempts), slog.Bool("given_up", d.Status == domain.DeliveryFailed), slog.String("error", a.Error))
	}
	return a.Succeeded(), s.endpointOutcome(ctx, ep, d, a)
}

// deliveryEndpoint finds the enabled endpoint of a claimed delivery among those its event
// reaches; found is false when it was disabled or deleted since the claim.
func (s *Service) deliveryEndpoint(ctx context.Context, d domain.WebhookDelivery) (domain.WebhookEndpoint, bool, error) {
	subs, err := s.uow.Webhooks().Subscribers(ctx, d.OrganizationID)
	if err != nil {
		return domain.WebhookEndpoint{}, false, err
	}
	for _, ep := range subs {
		if ep.ID == d.EndpointID {
			return ep, true, nil
		}
	}
	return domain.WebhookEndpoint{}, false, nil
}

// signingSecrets opens the endpoint's secret, and the one it replaced while that still
// signs.
func (s *Service) signingSecrets(ep domain.WebhookEndpoint, now time.Time) ([]string, error) {
	if s.sealer == nil {
		return nil, domain.ErrVaultUnavailable
	}
	cur, err := s.sealer.Open(ep.Secret, domain.WebhookSecretAAD(ep.ID))
	if err != nil {
		return nil, fmt.Errorf("open signing secret: %w", err)
	}
	secrets := []string{string(cur)}
	if ep.PreviousSecret != nil && ep.PreviousSecretUntil != nil && now.Before(*ep.PreviousSecretUntil) {
		prev, err := s.sealer.Open(ep.PreviousSecret, domain.WebhookSecretAAD(ep.ID))
		if err != nil {
			return nil, fmt.Errorf("open previous signing secret: %w", err)
		}
		secrets = append(secrets, string(prev))
	}
	return secrets, nil
}

// endpointOutcome keeps when the endpoint started failing, and disables it once it failed
// for domain.WebhookDisableAfter; its owners see why in disabled_reason and the audit log.
func (s *Service) endpointOutcome(ctx context.Context, seen domain.WebhookEndpoint, d domain.WebhookDelivery, a domain.WebhookAttempt) error {
	switch failing := seen.FailingSince; {
	case a.Succeeded() && failing == nil,
		!a.Succeeded() && failing != nil && s.clock.Now().Sub(*failing) < domain.WebhookDisableAfter:
		return nil // no change: the common case reads nothing more
	}
	disabled := false
	err := s.do(ctx, func(tx ports.Repos) error {
		disabled = false // a store may retry fn
		ep, err := tx.Webhooks().GetEndpointForUpdate(ctx, seen.OrganizationID, seen.ID)
		if domain.CodeOf(err) == domain.CodeWebhookEndpointNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		now := s.clock.Now()
		switch {
		case a.Succeeded():
			ep.FailingSince = nil
		case ep.FailingSince == nil:
			ep.FailingSince = &now
		// Failing since long ago is not enough: after a quiet spell the first failure would
		// disable at once. This delivery must have failed its retries for hours, too.
		case now.Sub(*ep.FailingSince) >= domain.WebhookDisableAfter && d.Attempts >= domain.WebhookDisableAttempts && !ep.Disabled:
			ep.Disabled = true
			ep.DisabledReason = fmt.Sprintf("every delivery failed since %s; the last attempt: %s",
				ep.FailingSince.UTC().Format(time.RFC3339), a.Error)
		default:
			return nil
		}
		ep.UpdatedAt = now
		if ep, err = tx.Webhooks().UpdateEndpoint(ctx, ep); err != nil {
			return err
		}
		if !ep.Disabled {
			return nil
		}
		disabled = true
		return s.record(ctx, tx, nil, webhookEvent(ep, domain.AuditWebhookEndpointDisabled, []string{"disabled"}))
	})
	if err == nil && disabled {
		s.metrics.WebhookEndpointDisabled()
	}
	return err
}

// TestWebhookEndpoint sends a webhook.test event to this endpoint only, queued like any
// other, and returns its delivery.
// Errors: organization_not_found, forbidden, webhook_endpoint_not_found, vault_unavailable.
func (s *Service) TestWebhookEndpoint(ctx context.Context, p domain.Principal, orgID, id int64) (domain.WebhookDelivery, error) {
	var d domain.WebhookDelivery
	err := s.manageWebhooks(ctx, p, orgID, func(tx ports.Repos) error {
		ep, err := tx.Webhooks().GetEndpoint(ctx, owner(orgID), id)
		if err != nil {
			return err
		}
		now := s.clock.Now().UTC().Truncate(domain.AuditTimePrecision)
		ev := domain.Event{PublicID: newEventID(), Type: domain.EventWebhookTest, OrganizationID: ep.OrganizationID,
			ActorUserID: &p.User.ID, ActorEmail: p.User.Email, CreatedAt: now}
		data := []byte(`{"endpoint_id":` + fmt.Sprint(ep.ID) + `,"message":"a test event sent from orgkit"}`)
		if ev.Payload, err = eventPayload(ev, data); err != nil {
			return err
		}
		if ev, err = tx.Events().Add(ctx, ev); err != nil {
			return err
		}
		if err := tx.Webhooks().AddDeliveries(ctx, ev, []int64{ep.ID}, now); err != nil {
			return err
		}
		page, err := tx.Webhooks().ListDeliveries(ctx, ep.ID, domain.DeliveryQuery{Page: 1, PageSize: 1})
		if err != nil || len(page.Items) == 0 {
			return fmt.Errorf("read the test delivery back: %w", err)
		}
		d = page.Items[0]
		return nil
	})
	if err == nil {
		s.webhooksAdded()
	}
	return d, wrap("test webhook endpoint", err)
}

// ListWebhookDeliveries pages through an endpoint's deliveries, newest first, each with its
// attempts. Errors: organization_not_found, forbidden, webhook_endpoint_not_found,
// validation_error.
func (s *Service) ListWebhookDeliveries(ctx context.Context, p domain.Principal, orgID, endpointID int64, q domain.DeliveryQuery) (domain.Page[domain.WebhookDelivery], error) {
	if _, err := s.GetWebhookEndpoint(ctx, p, orgID, endpointID); err != nil {
		return domain.Page[domain.WebhookDelivery]{}, err
	}
	q, err := q.Normalize()
	if err != nil {
		return domain.Page[domain.WebhookDelivery]{}, err
	}
	page, err := s.uow.Webhooks().ListDeliveries(ctx, endpointID, q)
	return page, wrap("list webhook deliveries", err)
}

// RetryWebhookDelivery sends a delivery again at once, whatever its status (a delivered
// one arrives a second time with the same webhook-id), and returns it pending.
// Errors: organization_not_found, forbidden, webhook_endpoint_not_found,
// webhook_delivery_not_found.
func (s *Service) RetryWebhookDelivery(ctx context.Context, p domain.Principal, orgID, endpointID, deliveryID int64) (domain.WebhookDelivery, error) {
	var d domain.WebhookDelivery
	err := s.manageWebhooks(ctx, p, orgID, func(tx ports.Repos) error {
		if _, err := tx.Webhooks().GetEndpoint(ctx, owner(orgID), endpointID); err != nil {
			return err
		}
		if err := tx.Webhooks().Retry(ctx, endpointID, deliveryID, s.clock.Now()); err != nil {
			return err
		}
		var err error
		d, err = tx.Webhooks().GetDelivery(ctx, endpointID, deliveryID)
		return err
	})
	if err == nil {
		s.webhooksAdded()
	}
	return d, wrap("retry webhook delivery", err)
}

// CollectOrphanEndpoints removes the endpoints of deleted organizations once their last
// deliveries are done, and returns how many it removed.
func (s *Service) CollectOrphanEndpoints(ctx context.Context) (int, error) {
	n, err := s.uow.Webhooks().DeleteOrphanEndpoints(ctx)
	return n, wrap("collect orphan webhook endpoints", err)
}

// jittered spreads retries over ±10% so endpoints that failed together are not retried in
// one burst.
func jittered(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d - d/10 + rand.N(d/5+1)
}

// keptResponse is the start of a receiver's answer kept for GET …/deliveries.
func keptResponse(b []byte) string { return truncateText(string(b), domain.WebhookResponseKept) }

// truncateText cuts s to at most n bytes of valid UTF-8 without NUL bytes (Postgres refuses
// them in text).
func truncateText(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
}

// WebhookBacklog counts the webhook deliveries due or waiting for a retry, for metrics: one
// count on an index.
func (s *Service) WebhookBacklog(ctx context.Context) (int64, error) {
	n, err := s.uow.Webhooks().Backlog(ctx)
	return n, wrap("count the webhook backlog", err)
}
