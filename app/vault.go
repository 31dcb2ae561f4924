package app

import (
	"context"
	"fmt"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// NewAPIKey is the input of CreateAPIKey.
type NewAPIKey struct {
	Title, Service, Secret string
}

// APIKeyPatch changes a key; a new Secret rotates it.
type APIKeyPatch struct {
	Title, Service, Secret *string
}

func (s *Service) vault() error {
	if s.sealer == nil {
		return domain.ErrVaultUnavailable
	}
	return nil
}

// RevealAPIKeys returns an organization's keys decrypted, at most 10 times a minute per caller
// and organization. The audit record is committed before any key is decrypted: if it cannot
// be written, no key leaves the server. Only authorized callers reach the limiter, so an
// outsider spends nobody's quota.
// Errors: organization_not_found, forbidden, vault_unavailable, rate_limited, service_unavailable.
func (s *Service) RevealAPIKeys(ctx context.Context, p domain.Principal, orgID int64) ([]domain.RevealedKey, domain.Quota, error) {
	if _, _, err := s.Authorize(ctx, p, orgID, domain.ActionVaultReveal); err != nil {
		return nil, domain.Quota{}, err
	}
	if err := s.vault(); err != nil {
		return nil, domain.Quota{}, err
	}
	quota, err := s.limit(ctx, ports.LimitRevealAPIKeys, orgID, p, domain.LimitRevealAPIKeys)
	if err != nil {
		return nil, quota, err
	}
	var sealed []domain.APIKey
	err = s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionVaultReveal, false); err != nil {
			return err
		}
		var err error
		if sealed, err = tx.APIKeys().List(ctx, orgID); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditAPIKeysRevealed, targetType: "organization", targetID: orgID})
	})
	if err != nil {
		return nil, quota, wrap("reveal api keys", err)
	}
	out := make([]domain.RevealedKey, 0, len(sealed))
	for _, k := range sealed {
		plain, err := s.sealer.Open(k.Sealed, domain.APIKeyAAD(k.OrganizationID, k.ID))
		if err != nil {
			return nil, quota, fmt.Errorf("open api key %d of organization %d: %w", k.ID, k.OrganizationID, err)
		}
		out = append(out, domain.RevealedKey{APIKey: k, Plaintext: string(plain)})
	}
	return out, quota, nil
}

// manageVault opens the transaction of a key change and checks, in this order, that p may
// manage the organization's keys and that the vault is configured.
func (s *Service) manageVault(ctx context.Context, p domain.Principal, orgID int64, fn func(tx ports.Repos) error) error {
	return s.do(ctx, func(tx ports.Repos) error {
		if _, _, err := s.authorize(ctx, tx, p, orgID, domain.ActionVaultManage, false); err != nil {
			return err
		}
		if err := s.vault(); err != nil {
			return err
		}
		return fn(tx)
	})
}

// CreateAPIKey seals and stores a key; its ciphertext is bound to the new record's id.
// Errors: organization_not_found, forbidden, vault_unavailable, validation_error.
func (s *Service) CreateAPIKey(ctx context.Context, p domain.Principal, orgID int64, in NewAPIKey) (domain.APIKey, error) {
	var k domain.APIKey
	err := s.manageVault(ctx, p, orgID, func(tx ports.Repos) error {
		if err := domain.ValidateAPIKeyFields(&in.Title, &in.Service, &in.Secret); err != nil {
			return err
		}
		now := s.clock.Now()
		k = domain.APIKey{OrganizationID: orgID, Title: in.Title, Service: in.Service, CreatedAt: now, UpdatedAt: now}
		var err error
		if k, err = tx.APIKeys().Create(ctx, k); err != nil {
			return err
		}
		if k, err = s.seal(ctx, tx, k, in.Secret); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditAPIKeyCreated, targetType: "api_key", targetID: k.ID})
	})
	return k, wrap("create api key", err)
}

// seal encrypts secret for k's record and stores it.
func (s *Service) seal(ctx context.Context, tx ports.Repos, k domain.APIKey, secret string) (domain.APIKey, error) {
	sealed, err := s.sealer.Seal([]byte(secret), domain.APIKeyAAD(k.OrganizationID, k.ID))
	if err != nil {
		return k, fmt.Errorf("seal api key: %w", err)
	}
	k.Sealed, k.SealKeyID, k.Last4 = sealed, s.sealer.ActiveKeyID(), domain.Last4Of(secret)
	return tx.APIKeys().Update(ctx, k)
}

// UpdateAPIKey renames or rotates a key. An empty patch changes nothing, not even
// updated_at, and is not audited.
// Errors: organization_not_found, forbidden, vault_unavailable, validation_error, api_key_not_found.
func (s *Service) UpdateAPIKey(ctx context.Context, p domain.Principal, orgID, keyID int64, patch APIKeyPatch) (domain.APIKey, error) {
	var k domain.APIKey
	err := s.manageVault(ctx, p, orgID, func(tx ports.Repos) error {
		if err := domain.ValidateAPIKeyFields(patch.Title, patch.Service, patch.Secret); err != nil {
			return err
		}
		var err error
		if k, err = tx.APIKeys().Get(ctx, orgID, keyID); err != nil {
			return err
		}
		var changes []string
		if patch.Title != nil {
			k.Title, changes = *patch.Title, append(changes, "title")
		}
		if patch.Service != nil {
			k.Service, changes = *patch.Service, append(changes, "service")
		}
		if patch.Secret != nil {
			changes = append(changes, "api_key")
		}
		if len(changes) == 0 {
			return nil
		}
		k.UpdatedAt = s.clock.Now()
		if patch.Secret != nil {
			k, err = s.seal(ctx, tx, k, *patch.Secret)
		} else {
			k, err = tx.APIKeys().Update(ctx, k)
		}
		if err != nil {
			return err
		}
		e := event{orgID: &orgID, action: domain.AuditAPIKeyUpdated, targetType: "api_key", targetID: k.ID, changes: changes}
		if patch.Secret != nil {
			e.eventType = "api_key.rotated"
		}
		return s.record(ctx, tx, &p, e)
	})
	return k, wrap("update api key", err)
}

// DeleteAPIKey removes a key.
// Errors: organization_not_found, forbidden, vault_unavailable, api_key_not_found.
func (s *Service) DeleteAPIKey(ctx context.Context, p domain.Principal, orgID, keyID int64) error {
	return wrap("delete api key", s.manageVault(ctx, p, orgID, func(tx ports.Repos) error {
		k, err := tx.APIKeys().Get(ctx, orgID, keyID)
		if err != nil {
			return err
		}
		if err := tx.APIKeys().Delete(ctx, orgID, keyID); err != nil {
			return err
		}
		return s.record(ctx, tx, &p, event{orgID: &orgID, action: domain.AuditAPIKeyDeleted, targetType: "api_key", targetID: keyID, data: k})
	}))
}

// RotateVault re-seals every key not sealed with the active key, batch by batch. Each row is
// replaced only if unchanged since it was read, so it is safe to re-run after an interruption
// and alongside the running service. Webhook signing secrets follow. It returns how many keys
// and endpoints it re-sealed.
func (s *Service) RotateVault(ctx context.Context, batch int) (int, error) {
	if err := s.vault(); err != nil {
		return 0, err
	}
	active, done := s.sealer.ActiveKeyID(), 0
	skip := map[int64]bool{}
	for {
		keys, err := s.uow.APIKeys().NotSealedWith(ctx, active, batch+len(skip))
		if err != nil {
			return done, wrap("rotate vault", err)
		}
		progressed := false
		for _, k := range keys {
			if skip[k.ID] {
				continue
			}
			ok, err := s.reseal(ctx, k)
			if err != nil {
				return done, err
			}
			if ok {
				done++
			} else {
				skip[k.ID] = true // changed meanwhile: the writer sealed it with the active key
			}
			progressed = true
		}
		if !progressed {
			n, err := s.resealWebhookSecrets(ctx, batch)
			return done + n, err
		}
	}
}

// resealWebhookSecrets seals every webhook signing secret (and a rotated-out one still in
// its overlap) with the active key, so the old vault key can be dropped without breaking
// deliveries. It returns how many endpoints it re-sealed.
func (s *Service) resealWebhookSecrets(ctx context.Context, batch int) (int, error) {
	active, done := s.sealer.ActiveKeyID(), 0
	var after int64
	for {
		eps, err := s.uow.Webhooks().EndpointsAfter(ctx, after, batch)
		if err != nil || len(eps) == 0 {
			return done, wrap("rotate webhook secrets", err)
		}
		for _, ep := range eps {
			after = ep.ID
			if !s.sealedWithOther(ep.Secret, active) && !s.sealedWithOther(ep.PreviousSecret, active) {
				continue
			}
			if err := s.do(ctx, func(tx ports.Repos) error { return s.resealEndpoint(ctx, tx, ep) }); err != nil {
				return done, wrap("rotate webhook secrets", err)
			}
			done++
		}
	}
}

func (s *Service) sealedWithOther(sealed []byte, active string) bool {
	if len(sealed) == 0 {
		return false
	}
	id, err := s.sealer.KeyID(sealed)
	return err != nil || id != active
}

func (s *Service) resealEndpoint(ctx context.Context, tx ports.Repos, seen domain.WebhookEndpoint) error {
	ep, err := tx.Webhooks().GetEndpointForUpdate(ctx, seen.OrganizationID, seen.ID)
	if domain.CodeOf(err) == domain.CodeWebhookEndpointNotFound {
		return nil // deleted meanwhile
	}
	if err != nil {
		return err
	}
	aad := domain.WebhookSecretAAD(ep.ID)
	for _, sealed := range []*[]byte{&ep.Secret, &ep.PreviousSecret} {
		if len(*sealed) == 0 {
			continue
		}
		plain, err := s.sealer.Open(*sealed, aad)
		if err != nil {
			return fmt.Errorf("webhook endpoint %d: %w", ep.ID, err)
		}
		if *sealed, err = s.sealer.Seal(plain, aad); err != nil {
			return err
		}
	}
	_, err = tx.Webhooks().UpdateEndpoint(ctx, ep)
	return err
}

func (s *Service) reseal(ctx context.Context, k domain.APIKey) (bool, error) {
	aad := domain.APIKeyAAD(k.OrganizationID, k.ID)
	plain, err := s.sealer.Open(k.Sealed, aad)
	if err != nil {
		return false, fmt.Errorf("rotate api key %d (sealed with %q): %w", k.ID, k.SealKeyID, err)
	}
	old := k.Sealed
	if k.Sealed, err = s.sealer.Seal(plain, aad); err != nil {
		return false, err
	}
	k.SealKeyID = s.sealer.ActiveKeyID()
	ok, err := s.uow.APIKeys().Reseal(ctx, k, old)
	return ok, wrap("rotate vault", err)
}
