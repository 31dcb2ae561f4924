package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type apiKeyRepo repos

var _ ports.APIKeyRepo = apiKeyRepo{}

type apiKeyRow struct {
	ID             int64 `gorm:"primaryKey"`
	OrganizationID int64
	Title          string
	Service        string
	SealKeyID      string
	Sealed         []byte
	Last4          string `gorm:"column:last4"`
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (apiKeyRow) TableName() string { return "orgkit_api_keys" }

func apiKeyToRow(k domain.APIKey) apiKeyRow {
	return apiKeyRow{ID: k.ID, OrganizationID: k.OrganizationID, Title: k.Title, Service: k.Service,
		SealKeyID: k.SealKeyID, Sealed: k.Sealed, Last4: k.Last4, CreatedAt: k.CreatedAt.UTC(), UpdatedAt: k.UpdatedAt.UTC()}
}

func (r apiKeyRow) toDomain() domain.APIKey {
	return domain.APIKey{ID: r.ID, OrganizationID: r.OrganizationID, Title: r.Title, Service: r.Service,
		SealKeyID: r.SealKeyID, Sealed: r.Sealed, Last4: r.Last4, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (r apiKeyRepo) Create(ctx context.Context, k domain.APIKey) (domain.APIKey, error) {
	row := apiKeyToRow(k)
	row.ID = 0
	if row.Sealed == nil {
		row.Sealed = []byte{} // placeholder until the id is known and the key sealed to it
	}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		return k, dbErr("insert api key", err)
	}
	return row.toDomain(), nil
}

func (r apiKeyRepo) List(ctx context.Context, orgID int64) ([]domain.APIKey, error) {
	var rows []apiKeyRow
	if err := r.db.WithContext(ctx).Where("organization_id = ?", orgID).Order("id").Find(&rows).Error; err != nil {
		return nil, dbErr("list api keys", err)
	}
	return apiKeysToDomain(rows), nil
}

func apiKeysToDomain(rows []apiKeyRow) []domain.APIKey {
	out := make([]domain.APIKey, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out
}

func (r apiKeyRepo) Get(ctx context.Context, orgID, id int64) (domain.APIKey, error) {
	var row apiKeyRow
	err := r.db.WithContext(ctx).Where("organization_id = ? AND id = ?", orgID, id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.APIKey{}, domain.ErrAPIKeyNotFound
	}
	if err != nil {
		return domain.APIKey{}, dbErr("select api key", err)
	}
	return row.toDomain(), nil
}

func (r apiKeyRepo) Update(ctx context.Context, k domain.APIKey) (domain.APIKey, error) {
	res := r.db.WithContext(ctx).Table("orgkit_api_keys").Where("organization_id = ? AND id = ?", k.OrganizationID, k.ID).
		Updates(map[string]any{"title": k.Title, "service": k.Service, "seal_key_id": k.SealKeyID,
			"sealed": k.Sealed, "last4": k.Last4, "updated_at": k.UpdatedAt.UTC()})
	if res.Error != nil {
		return k, dbErr("update api key", res.Error)
	}
	if res.RowsAffected == 0 {
		return k, domain.ErrAPIKeyNotFound
	}
	return k, nil
}

func (r apiKeyRepo) Delete(ctx context.Context, orgID, id int64) error {
	res := r.db.WithContext(ctx).Exec("DELETE FROM orgkit_api_keys WHERE organization_id = ? AND id = ?", orgID, id)
	if res.Error != nil {
		return dbErr("delete api key", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrAPIKeyNotFound
	}
	return nil
}

func (r apiKeyRepo) NotSealedWith(ctx context.Context, keyID string, limit int) ([]domain.APIKey, error) {
	var rows []apiKeyRow
	if err := r.db.WithContext(ctx).Where("seal_key_id <> ?", keyID).Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, dbErr("select keys to rotate", err)
	}
	return apiKeysToDomain(rows), nil
}

func (r apiKeyRepo) Reseal(ctx context.Context, k domain.APIKey, old []byte) (bool, error) {
	res := r.db.WithContext(ctx).Table("orgkit_api_keys").Where("organization_id = ? AND id = ? AND sealed = ?", k.OrganizationID, k.ID, old).
		Updates(map[string]any{"seal_key_id": k.SealKeyID, "sealed": k.Sealed})
	if res.Error != nil {
		return false, dbErr("reseal api key", res.Error)
	}
	return res.RowsAffected == 1, nil
}
