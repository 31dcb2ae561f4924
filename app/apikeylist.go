package app

import (
	"context"

	"github.com/orgkit/orgkit/domain"
)

// ListAPIKeys lists an organization's vault keys without their secrets (title, service, last
// four characters): what managing the vault shows. Revealing secrets is RevealAPIKeys.
// Errors: organization_not_found, forbidden.
func (s *Service) ListAPIKeys(ctx context.Context, p domain.Principal, orgID int64) ([]domain.APIKey, error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionVaultManage); err != nil {
		return nil, wrap("list api keys", err)
	}
	keys, err := s.uow.APIKeys().List(ctx, orgID)
	for i := range keys {
		keys[i].Sealed = nil // never leaves the use case
	}
	return keys, wrap("list api keys", err)
}
