package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type inviteRepo repos

var _ ports.InviteRepo = inviteRepo{}

type inviteRow struct {
	ID             int64 `gorm:"primaryKey"`
	OrganizationID int64
	CodeHash       []byte
	CodePrefix     string
	Role           string
	ExpiresAt      *time.Time
	MaxUses        *int
	Uses           int
	Disabled       bool
	Note           *string
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (inviteRow) TableName() string { return "orgkit_invites" }

func inviteToRow(i domain.Invite) inviteRow {
	return inviteRow{ID: i.ID, OrganizationID: i.OrganizationID, CodeHash: i.CodeHash, CodePrefix: i.CodePrefix,
		Role: string(i.Role), ExpiresAt: utc(i.ExpiresAt), MaxUses: i.MaxUses, Uses: i.Uses, Disabled: i.Disabled,
		Note: i.Note, CreatedBy: i.CreatedBy, CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC()}
}

func (r inviteRow) toDomain() domain.Invite {
	return domain.Invite{ID: r.ID, OrganizationID: r.OrganizationID, CodeHash: r.CodeHash, CodePrefix: r.CodePrefix,
		Role: domain.Role(r.Role), ExpiresAt: utc(r.ExpiresAt), MaxUses: r.MaxUses, Uses: r.Uses, Disabled: r.Disabled,
		Note: r.Note, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

func (r inviteRepo) Create(ctx context.Context, i domain.Invite) (domain.Invite, error) {
	row := inviteToRow(i)
	row.ID = 0
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		// The creator is the signed-in user, so of the two foreign keys only the
		// organization's can break: it was deleted meanwhile.
		if sqliteForeignKey(err) {
			return i, domain.ErrOrganizationNotFound
		}
		// A code hash already taken is a broken code generator: an internal error.
		return i, dbErr("insert invite", err)
	}
	return row.toDomain(), nil
}

func (r inviteRepo) List(ctx context.Context, orgID int64) ([]domain.Invite, error) {
	var rows []inviteRow
	if err := r.db.WithContext(ctx).Where("organization_id = ?", orgID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, dbErr("list invites", err)
	}
	out := make([]domain.Invite, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out, nil
}

func (r inviteRepo) Get(ctx context.Context, orgID, id int64) (domain.Invite, error) {
	return r.take(r.db.WithContext(ctx).Where("organization_id = ? AND id = ?", orgID, id))
}

func (r inviteRepo) ByCodeHash(ctx context.Context, hash []byte) (domain.Invite, error) {
	return r.take(r.db.WithContext(ctx).Where("code_hash = ?", hash))
}

func (r inviteRepo) take(q *gorm.DB) (domain.Invite, error) {
	var row inviteRow
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Invite{}, domain.ErrInviteNotFound
		}
		return domain.Invite{}, dbErr("select invite", err)
	}
	return row.toDomain(), nil
}

// Update returns the invite as stored after the write, uses counted meanwhile included.
func (r inviteRepo) Update(ctx context.Context, i domain.Invite) (domain.Invite, error) {
	res := r.db.WithContext(ctx).Table("orgkit_invites").Where("organization_id = ? AND id = ?", i.OrganizationID, i.ID).
		Updates(map[string]any{"disabled": i.Disabled, "note": i.Note, "updated_at": i.UpdatedAt.UTC()})
	if res.Error != nil {
		return i, dbErr("update invite", res.Error)
	}
	if res.RowsAffected == 0 {
		return i, domain.ErrInviteNotFound
	}
	return r.Get(ctx, i.OrganizationID, i.ID)
}

// Use checks and counts in one UPDATE: on Postgres a racing use waits for the row lock and
// re-checks the condition against the winner's count; SQLite has one writer at a time.
func (r inviteRepo) Use(ctx context.Context, id int64, now time.Time) (bool, error) {
	res := r.db.WithContext(ctx).Exec(`UPDATE orgkit_invites SET uses = uses + 1 WHERE id = ? AND NOT disabled
		AND (expires_at IS NULL OR expires_at > ?) AND (max_uses IS NULL OR uses < max_uses)`, id, now.UTC())
	if res.Error != nil {
		return false, dbErr("use invite", res.Error)
	}
	return res.RowsAffected == 1, nil
}
