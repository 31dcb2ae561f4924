package gormstore

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type userRepo repos

var _ ports.UserRepo = userRepo{}

func (r userRepo) Provision(ctx context.Context, subject string, now time.Time) (domain.User, error) {
	u, err := r.GetBySubject(ctx, subject)
	if !errors.Is(err, domain.ErrUserNotFound) {
		return u, err
	}
	// ON CONFLICT DO NOTHING makes concurrent first requests race-free: one insert wins, the
	// others insert nothing and read the winner's row. The row has no email yet, so the only
	// conflict possible is on the subject.
	row := userRow{Subject: subject, CreatedAt: now, UpdatedAt: now}
	if err := r.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return domain.User{}, dbErr("insert user", err)
	}
	return r.GetBySubject(ctx, subject)
}

func (r userRepo) take(q *gorm.DB) (domain.User, error) {
	var rows []userRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return domain.User{}, dbErr("select user", err)
	}
	if len(rows) == 0 {
		return domain.User{}, domain.ErrUserNotFound
	}
	return rows[0].toDomain(), nil
}

func (r userRepo) Get(ctx context.Context, id int64) (domain.User, error) {
	return r.take(r.db.WithContext(ctx).Where("id = ?", id))
}

func (r userRepo) GetBySubject(ctx context.Context, subject string) (domain.User, error) {
	return r.take(r.db.WithContext(ctx).Where("subject = ?", subject))
}

func (r userRepo) GetByVerifiedEmail(ctx context.Context, email string) (domain.User, error) {
	return r.take(r.db.WithContext(ctx).Where("email = ? AND email_verified", email))
}

func (r userRepo) EmailHolder(ctx context.Context, email string) (domain.User, error) {
	return r.take(r.db.WithContext(ctx).Where("email = ?", email))
}

func (r userRepo) UpdateProfile(ctx context.Context, u domain.User) error {
	res := r.db.WithContext(ctx).Table("orgkit_users").Where("id = ?", u.ID).Updates(map[string]any{
		"email": u.Email, "email_verified": u.EmailVerified, "name": u.Name, "updated_at": u.UpdatedAt.UTC(),
	})
	switch {
	case isConstraint(res.Error, "orgkit_users_email_key"):
		return domain.ErrEmailTaken
	case res.Error != nil:
		return dbErr("update user", res.Error)
	case res.RowsAffected == 0:
		return domain.ErrUserNotFound
	}
	return nil
}

func (r userRepo) ReleaseUnverifiedEmail(ctx context.Context, userID int64, email string, now time.Time) (bool, error) {
	res := r.db.WithContext(ctx).Exec("UPDATE orgkit_users SET email = NULL, email_verified = FALSE, updated_at = ? WHERE id = ? AND email = ? AND NOT email_verified",
		now.UTC(), userID, email)
	if res.Error != nil {
		return false, dbErr("release email", res.Error)
	}
	return res.RowsAffected == 1, nil
}

func (r userRepo) ClaimPersonalCheck(ctx context.Context, userID int64, now time.Time) (bool, error) {
	// One conditional UPDATE: on Postgres a racing one waits for the row's lock and, once the
	// winner committed, finds the column set (READ COMMITTED re-checks the condition).
	res := r.db.WithContext(ctx).Exec("UPDATE orgkit_users SET personal_checked_at = ? WHERE id = ? AND personal_checked_at IS NULL", now.UTC(), userID)
	if res.Error != nil {
		return false, dbErr("claim personal organization check", res.Error)
	}
	if res.RowsAffected == 1 {
		return true, nil
	}
	_, err := r.Get(ctx, userID)
	return false, err
}

func (r userRepo) SetSuperadmin(ctx context.Context, userID int64, on bool) error {
	return r.exec(ctx, "set superadmin", "UPDATE orgkit_users SET is_superadmin = ? WHERE id = ?", on, userID)
}

func (r userRepo) SetCurrentOrganization(ctx context.Context, userID, orgID int64) error {
	return r.exec(ctx, "set current organization", "UPDATE orgkit_users SET current_organization_id = ? WHERE id = ?", orgID, userID)
}

// exec runs an update of one user. Errors: user_not_found when no row changed.
func (r userRepo) exec(ctx context.Context, op, sql string, args ...any) error {
	res := r.db.WithContext(ctx).Exec(sql, args...)
	if res.Error != nil {
		return dbErr(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrUserNotFound
	}
	return nil
}

func (r userRepo) SetCurrentOrganizationIfUnset(ctx context.Context, userID, orgID int64) error {
	err := r.db.WithContext(ctx).Exec("UPDATE orgkit_users SET current_organization_id = ? WHERE id = ? AND current_organization_id IS NULL", orgID, userID).Error
	if err != nil {
		return dbErr("set current organization", err)
	}
	return nil
}

func (r userRepo) ClearCurrentOrganization(ctx context.Context, userID, orgID int64) error {
	err := r.db.WithContext(ctx).Exec("UPDATE orgkit_users SET current_organization_id = NULL WHERE id = ? AND current_organization_id = ?", userID, orgID).Error
	if err != nil {
		return dbErr("clear current organization", err)
	}
	return nil
}
