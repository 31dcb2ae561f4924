package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Webhook endpoints belong to an organization (orgID > 0: owners and admins manage them,
// and they receive that organization's events) or, with orgID 0, to the platform
// (superadmins; they receive every event).

// CreateWebhookEndpoint adds an endpoint and returns it with its signing secret, which is
// shown this once: orgkit keeps it sealed by the vault's key ring.
// Errors: organization_not_found, forbidden, validation_error, vault_unavailable.
func (s *Service) CreateWebhookEndpoint(ctx context.Context, p domain.Principal, orgID int64, in domain.WebhookEndpointInput) (domain.WebhookEndpoint, string, error) {
	var ep domain.WebhookEndpoint
	secret := newWebhookSecret()
	err := s.manageWebhooks(ctx, p, orgID, func(tx ports.Repos) error {
		if in.URL == nil {
			return domain.InvalidField("url", "url is required")
		}
		if err := in.Validate(s.webhooks.AllowPrivate); err != nil {
			return err
		}
		eps, err := tx.Webhooks().ListEndpoints(ctx, owner(orgID))
		if err != nil {
			return err
		}
		if len(eps) >= domain.WebhookMaxEndpoints {
			return &domain.Error{Code: domain.CodeValidation, Message: fmt.Sprintf("at most %d webhook endpoints: delete one first", domain.WebhookMaxEndpoints)}
		}
		now := s.clock.Now()
		ep = domain.WebhookEndpoint{OrganizationID: owner(orgID), URL: *in.URL, EventTypes: deref(in.EventTypes),
			Description: deref(in.Description), Disabled: deref(in.Disabled), Secret: []byte{0}, CreatedAt: now, UpdatedAt: now}
		if ep, err = tx.Webhooks().CreateEndpoint(ctx, ep); err != nil {
			return err
		}
		// Sealed once the id exists, so the ciphertext is bound to this endpoint.
		if ep.Secret, err = s.sealer.Seal([]byte(secret), domain.WebhookSecretAAD(ep.ID)); err != nil {
			return err
		}
		if ep, err = tx.Webhooks().UpdateEndpoint(ctx, ep); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, webhookEvent(ep, domain.AuditWebhookEndpointCreated, nil))
	})
	if err != nil {
		return domain.WebhookEndpoint{}, "", wrap("create webhook endpoint", err)
	}
	return ep, secret, nil
}

// ListWebhookEndpoints returns the owner's endpoints in id order.
// Errors: organization_not_found, forbidden.
func (s *Service) ListWebhookEndpoints(ctx context.Context, p domain.Principal, orgID int64) ([]domain.WebhookEndpoint, error) {
	if err := s.authorizeWebhooks(ctx, p, orgID); err != nil {
		return nil, err
	}
	eps, err := s.uow.Webhooks().ListEndpoints(ctx, owner(orgID))
	return eps, wrap("list webhook endpoints", err)
}

// GetWebhookEndpoint returns one endpoint of the owner.
// Errors: organization_not_found, forbidden, webhook_endpoint_not_found.
func (s *Service) GetWebhookEndpoint(ctx context.Context, p domain.Principal, orgID, id int64) (domain.WebhookEndpoint, error) {
	if err := s.authorizeWebhooks(ctx, p, orgID); err != nil {
		return domain.WebhookEndpoint{}, err
	}
	ep, err := s.uow.Webhooks().GetEndpoint(ctx, owner(orgID), id)
	return ep, wrap("get webhook endpoint", err)
}

// UpdateWebhookEndpoint changes the fields in present. Enabling an endpoint clears why
// orgkit disabled it; its deliveries still pending go out again.
// Errors: organization_not_found, forbidden, validation_error, webhook_endpoint_not_found.
func (s *Service) UpdateWebhookEndpoint(ctx context.Context, p domain.Principal, orgID, id int64, in domain.WebhookEndpointInput) (domain.WebhookEndpoint, error) {
	var ep domain.WebhookEndpoint
	err := s.manageWebhooks(ctx, p, orgID, func(tx ports.Repos) error {
		if err := in.Validate(s.webhooks.AllowPrivate); err != nil {
			return err
		}
		var err error
		if ep, err = tx.Webhooks().GetEndpointForUpdate(ctx, owner(orgID), id); err != nil {
			return err
		}
		changes := applyEndpointInput(&ep, in)
		if len(changes) == 0 {
			return nil
		}
		ep.UpdatedAt = s.clock.Now()
		if ep, err = tx.Webhooks().UpdateEndpoint(ctx, ep); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, webhookEvent(ep, domain.AuditWebhookEndpointUpdated, changes))
	})
	return ep, wrap("update webhook endpoint", err)
}

func applyEndpointInput(ep *domain.WebhookEndpoint, in domain.WebhookEndpointInput) []string {
	var changes []string
	if in.URL != nil && *in.URL != ep.URL {
		ep.URL, changes = *in.URL, append(changes, "url")
	}
	if in.EventTypes != nil {
		ep.EventTypes, changes = *in.EventTypes, append(changes, "event_types")
	}
	if in.Description != nil && *in.Description != ep.Description {
		ep.Description, changes = *in.Description, append(changes, "description")
	}
	if in.Disabled != nil && *in.Disabled != ep.Disabled {
		ep.Disabled, ep.DisabledReason, ep.FailingSince = *in.Disabled, "", nil
		changes = append(changes, "disabled")
	}
	return changes
}

// DeleteWebhookEndpoint removes an endpoint with its deliveries.
// Errors: organization_not_found, forbidden, webhook_endpoint_not_found.
func (s *Service) DeleteWebhookEndpoint(ctx context.Context, p domain.Principal, orgID, id int64) error {
	return wrap("delete webhook endpoint", s.manageWebhooks(ctx, p, orgID, func(tx ports.Repos) error {
		ep, err := tx.Webhooks().GetEndpointForUpdate(ctx, owner(orgID), id)
		if err != nil {
			return err
		}
		// Recorded first: every writer takes the organization's audit chain before an
		// endpoint's row (a change queuing deliveries locks the endpoint after the chain), so
		// deleting in the other order deadlocks with them. The delivery of this very event to
		// the endpoint goes with it.
		e := webhookEvent(ep, domain.AuditWebhookEndpointDeleted, nil)
		e.data = ep
		if err := s.record(ctx, tx, &p, e); err != nil {
			return err
		}
		return tx.Webhooks().DeleteEndpoint(ctx, owner(orgID), id)
	}))
}

// RotateWebhookSecret gives the endpoint a new signing secret, returned this once; the old
// one keeps signing next to it for domain.WebhookSecretOverlap, so receivers can switch.
// Errors: organization_not_found, forbidden, webhook_endpoint_not_found, vault_unavailable.
func (s *Service) RotateWebhookSecret(ctx context.Context, p domain.Principal, orgID, id int64) (domain.WebhookEndpoint, string, error) {
	var ep domain.WebhookEndpoint
	secret := newWebhookSecret()
	err := s.manageWebhooks(ctx, p, orgID, func(tx ports.Repos) error {
		var err error
		if ep, err = tx.Webhooks().GetEndpointForUpdate(ctx, owner(orgID), id); err != nil {
			return err
		}
		sealed, err := s.sealer.Seal([]byte(secret), domain.WebhookSecretAAD(ep.ID))
		if err != nil {
			return err
		}
		now := s.clock.Now()
		until := now.Add(domain.WebhookSecretOverlap)
		ep.PreviousSecret, ep.PreviousSecretUntil, ep.Secret, ep.UpdatedAt = ep.Secret, &until, sealed, now
		if ep, err = tx.Webhooks().UpdateEndpoint(ctx, ep); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, webhookEvent(ep, domain.AuditWebhookSecretRotated, []string{"secret"}))
	})
	if err != nil {
		return domain.WebhookEndpoint{}, "", wrap("rotate webhook secret", err)
	}
	return ep, secret, nil
}

// manageWebhooks runs fn in a transaction once p may manage the owner's endpoints and the
// vault can seal their secrets.
func (s *Service) manageWebhooks(ctx context.Context, p domain.Principal, orgID int64, fn func(tx ports.Repos) error) error {
	if err := s.authorizeWebhooks(ctx, p, orgID); err != nil {
		return err
	}
	if s.sealer == nil {
		return domain.ErrVaultUnavailable
	}
	return s.do(ctx, func(tx ports.Repos) error {
		if orgID != 0 { // again in the transaction: a role may have changed meanwhile
			if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionWebhookManage, false); err != nil {
				return err
			}
		}
		return fn(tx)
	})
}

// authorizeWebhooks checks p may manage the owner's endpoints: an organization's owners and
// admins, the platform's superadmins.
func (s *Service) authorizeWebhooks(ctx context.Context, p domain.Principal, orgID int64) error {
	if orgID == 0 {
		if !s.Can(p, domain.ActionWebhookManageAll, "") {
			return domain.ErrForbidden
		}
		return nil
	}
	_, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionWebhookManage)
	return err
}

func webhookEvent(ep domain.WebhookEndpoint, action string, changes []string) event {
	return event{orgID: ep.OrganizationID, action: action, targetType: "webhook_endpoint", targetID: ep.ID, changes: changes}
}

// newWebhookSecret is a Standard Webhooks secret: "whsec_" and base64 of 32 random bytes.
func newWebhookSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
