package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type invitationRepo repos

var _ ports.InvitationRepo = invitationRepo{}

type invitationRow struct {
	ID             int64 `gorm:"primaryKey"`
	OrganizationID int64
	Email          string
	Role           string
	Status         string
	TokenHash      []byte
	InvitedBy      *int64 // NULL: an operator (`orgkit init`)
	ExpiresAt      time.Time
	AcceptedAt     *time.Time
	AcceptedBy     *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (invitationRow) TableName() string { return "orgkit_invitations" }

func invitationToRow(i domain.Invitation) invitationRow {
	return invitationRow{ID: i.ID, OrganizationID: i.OrganizationID, Email: i.Email, Role: string(i.Role),
		Status: string(i.Status), TokenHash: i.TokenHash, InvitedBy: inviter(i.InvitedBy), ExpiresAt: i.ExpiresAt.UTC(),
		AcceptedAt: utc(i.AcceptedAt), AcceptedBy: i.AcceptedBy, CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC()}
}

func (r invitationRow) toDomain() domain.Invitation {
	return domain.Invitation{ID: r.ID, OrganizationID: r.OrganizationID, Email: r.Email, Role: domain.Role(r.Role),
		Status: domain.InvitationStatus(r.Status), TokenHash: r.TokenHash, InvitedBy: inviterID(r.InvitedBy), ExpiresAt: r.ExpiresAt.UTC(),
		AcceptedAt: utc(r.AcceptedAt), AcceptedBy: r.AcceptedBy, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
}

// inviter is the invited_by column of domain.Invitation.InvitedBy: NULL for an operator (0).
func inviter(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func inviterID(id *int64) int64 {
	if id == nil {
		return 0
	}
	return *id
}

const pendingKey = "orgkit_invitations_pending_key"

func (r invitationRepo) Create(ctx context.Context, i domain.Invitation) (domain.Invitation, error) {
	row := invitationToRow(i)
	row.ID = 0
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		if r.pendingTaken(ctx, err, i.OrganizationID, i.Email, 0) {
			return i, domain.ErrInvitationExists
		}
		// The inviter is the signed-in user, so of the foreign keys only the organization's
		// can break: it was deleted meanwhile.
		if sqliteForeignKey(err) {
			return i, domain.ErrOrganizationNotFound
		}
		// A token hash already taken is a broken token generator: an internal error.
		return i, dbErr("insert invitation", err)
	}
	return row.toDomain(), nil
}

// pendingTaken reports whether err broke the one-pending-invitation-per-address index. Postgres
// names the index; SQLite does not, and the statement could also have broken the token hash
// index, so there it asks whether another pending invitation of the address exists (SQLite
// keeps a transaction usable after a failed statement).
func (r invitationRepo) pendingTaken(ctx context.Context, err error, orgID int64, email string, exceptID int64) bool {
	c, ok := uniqueViolation(err)
	if !ok {
		return false
	}
	if c != "" {
		return c == pendingKey
	}
	var n int64
	q := r.db.WithContext(ctx).Table("orgkit_invitations").
		Where("organization_id = ? AND email = ? AND status = ? AND id <> ?", orgID, email, string(domain.InvitationPending), exceptID)
	return q.Count(&n).Error == nil && n > 0
}

func (r invitationRepo) List(ctx context.Context, orgID int64, q domain.InvitationQuery, now time.Time) (domain.Page[domain.Invitation], error) {
	page := domain.Page[domain.Invitation]{Page: q.Page, PageSize: q.PageSize, Items: []domain.Invitation{}}
	filter := func() *gorm.DB {
		f := r.db.WithContext(ctx).Table("orgkit_invitations").Where("organization_id = ?", orgID)
		if q.Status == nil {
			return f
		}
		pending, expired := string(domain.InvitationPending), string(domain.InvitationExpired)
		switch *q.Status {
		case domain.InvitationPending:
			return f.Where("status = ? AND expires_at > ?", pending, now.UTC())
		case domain.InvitationExpired:
			return f.Where("(status = ? OR (status = ? AND expires_at <= ?))", expired, pending, now.UTC())
		default:
			return f.Where("status = ?", string(*q.Status))
		}
	}
	if err := filter().Count(&page.Total).Error; err != nil {
		return page, dbErr("count invitations", err)
	}
	var rows []invitationRow
	if err := filter().Order("id DESC").Limit(q.PageSize).Offset(q.Offset()).Find(&rows).Error; err != nil {
		return page, dbErr("list invitations", err)
	}
	for _, row := range rows {
		page.Items = append(page.Items, row.toDomain())
	}
	return page, nil
}

func (r invitationRepo) Get(ctx context.Context, orgID, id int64) (domain.Invitation, error) {
	return r.take(r.db.WithContext(ctx).Where("organization_id = ? AND id = ?", orgID, id))
}

func (r invitationRepo) ByTokenHash(ctx context.Context, hash []byte) (domain.Invitation, error) {
	return r.take(r.db.WithContext(ctx).Where("token_hash = ?", hash))
}

func (r invitationRepo) Pending(ctx context.Context, orgID int64, email string) (domain.Invitation, error) {
	return r.take(r.db.WithContext(ctx).Where("organization_id = ? AND email = ? AND status = ?", orgID, email, string(domain.InvitationPending)))
}

func (r invitationRepo) AwaitsAny(ctx context.Context, email string, now time.Time) (bool, error) {
	var n int64
	err := r.db.WithContext(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM orgkit_invitations WHERE email = ? AND status = ? AND expires_at > ? LIMIT 1) t",
		email, string(domain.InvitationPending), now.UTC()).Scan(&n).Error
	return n > 0, dbErr("find pending invitations", err)
}

func (r invitationRepo) take(q *gorm.DB) (domain.Invitation, error) {
	var row invitationRow
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Invitation{}, domain.ErrInvitationNotFound
		}
		return domain.Invitation{}, dbErr("select invitation", err)
	}
	return row.toDomain(), nil
}

// Update is a compare-and-set on the stored status. Moving a swept (expired) invitation
// back to pending while the address has another pending one breaks the pending index:
// invitation_exists. A token hash already taken is an internal error.
func (r invitationRepo) Update(ctx context.Context, i domain.Invitation, from domain.InvitationStatus) (bool, error) {
	row := invitationToRow(i)
	res := r.db.WithContext(ctx).Table("orgkit_invitations").
		Where("id = ? AND organization_id = ? AND status = ?", i.ID, i.OrganizationID, string(from)).
		Updates(map[string]any{"status": row.Status, "token_hash": row.TokenHash, "expires_at": row.ExpiresAt,
			"accepted_at": row.AcceptedAt, "accepted_by": row.AcceptedBy, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		if i.Status == domain.InvitationPending && r.pendingTaken(ctx, res.Error, i.OrganizationID, i.Email, i.ID) {
			return false, domain.ErrInvitationExists
		}
		return false, dbErr("update invitation", res.Error)
	}
	return res.RowsAffected == 1, nil
}
