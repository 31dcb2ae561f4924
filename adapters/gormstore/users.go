package gormstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type userRepo repos

var _ ports.UserRepo = userRepo{}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r userRepo) bySubject(ctx context.Context, sub string) (userRow, bool, error) {
	var rows []userRow
	err := r.db.WithContext(ctx).Where("subject = ?", sub).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return userRow{}, false, err
	}
	return rows[0], true, nil
}

func (r userRepo) Provision(ctx context.Context, id domain.Identity, now time.Time) (domain.User, error) {
	row, found, err := r.bySubject(ctx, id.Subject)
	if err != nil {
		return domain.User{}, fmt.Errorf("select user: %w", err)
	}
	if !found {
		// ON CONFLICT DO NOTHING makes concurrent first requests race-free: one insert wins,
		// the others insert nothing and read the winner's row below.
		row = userRow{Subject: id.Subject, Email: nonEmpty(id.Email), Name: nonEmpty(id.Name), CreatedAt: now, UpdatedAt: now}
		if err := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return domain.User{}, fmt.Errorf("insert user: %w", err)
		}
		if row, found, err = r.bySubject(ctx, id.Subject); err != nil {
			return domain.User{}, fmt.Errorf("select user: %w", err)
		}
		if !found { // the subject is new, so the conflict was on the email
			return domain.User{}, domain.ErrEmailTaken
		}
	}
	return r.refresh(ctx, row, id, now)
}

// refresh updates email and name when the identity provider reports new ones.
func (r userRepo) refresh(ctx context.Context, row userRow, id domain.Identity, now time.Time) (domain.User, error) {
	email, name := nonEmpty(id.Email), nonEmpty(id.Name)
	changes := map[string]any{"updated_at": now}
	if email != nil && !eq(row.Email, email) {
		changes["email"], row.Email = email, email
	}
	if name != nil && !eq(row.Name, name) {
		changes["name"], row.Name = name, name
	}
	if len(changes) == 1 {
		return row.toDomain(), nil
	}
	if err := r.db.WithContext(ctx).Table("users").Where("id = ?", row.ID).Updates(changes).Error; err != nil {
		if isConstraint(err, "users_email_key") {
			return domain.User{}, domain.ErrEmailTaken
		}
		return domain.User{}, fmt.Errorf("refresh user: %w", err)
	}
	row.UpdatedAt = now
	return row.toDomain(), nil
}

func eq(a, b *string) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func (r userRepo) take(q *gorm.DB) (domain.User, error) {
	var row userRow
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.User{}, domain.ErrUserNotFound
		}
		return domain.User{}, fmt.Errorf("select user: %w", err)
	}
	return row.toDomain(), nil
}

func (r userRepo) Get(ctx context.Context, id int64) (domain.User, error) {
	return r.take(r.db.WithContext(ctx).Where("id = ?", id))
}

func (r userRepo) GetByEmail(ctx context.Context, email string) (domain.User, error) {
	return r.take(r.db.WithContext(ctx).Where("lower(email) = lower(?)", email))
}

func (r userRepo) SetSuperadmin(ctx context.Context, email string, on bool) (domain.User, error) {
	res := r.db.WithContext(ctx).Table("users").Where("lower(email) = lower(?)", email).Update("is_superadmin", on)
	if res.Error != nil {
		return domain.User{}, fmt.Errorf("set superadmin: %w", res.Error)
	}
	return r.GetByEmail(ctx, email)
}

func (r userRepo) SetCurrentOrganization(ctx context.Context, userID, orgID int64) error {
	res := r.db.WithContext(ctx).Exec("UPDATE users SET current_organization_id = ? WHERE id = ?", orgID, userID)
	if res.Error != nil {
		return fmt.Errorf("set current organization: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrUserNotFound
	}
	return nil
}

func (r userRepo) SetCurrentOrganizationIfUnset(ctx context.Context, userID, orgID int64) error {
	err := r.db.WithContext(ctx).Exec("UPDATE users SET current_organization_id = ? WHERE id = ? AND current_organization_id IS NULL", orgID, userID).Error
	if err != nil {
		return fmt.Errorf("set current organization: %w", err)
	}
	return nil
}
