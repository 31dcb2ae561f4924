package gormstore

import (
	"context"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type membershipRepo repos

var _ ports.MembershipRepo = membershipRepo{}

func (r membershipRepo) Create(ctx context.Context, m domain.Membership) (domain.Membership, error) {
	row := membershipToRow(m)
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isConstraint(err, "orgkit_memberships_pkey") {
			return m, domain.ErrUserAlreadyConnected
		}
		return m, dbErr("insert membership", err)
	}
	return row.toDomain(), nil
}

func (r membershipRepo) Role(ctx context.Context, orgID, userID int64) (domain.Role, error) {
	var roles []string
	err := r.db.WithContext(ctx).Table("orgkit_memberships").Where("organization_id = ? AND user_id = ?", orgID, userID).Limit(1).Pluck("role", &roles).Error
	if err != nil {
		return "", dbErr("select role", err)
	}
	if len(roles) == 0 {
		return "", nil
	}
	return domain.Role(roles[0]), nil
}

func (r membershipRepo) OrganizationIDs(ctx context.Context, userID int64) ([]int64, error) {
	ids := []int64{}
	err := r.db.WithContext(ctx).Table("orgkit_memberships").Where("user_id = ?", userID).Order("organization_id").Pluck("organization_id", &ids).Error
	if err != nil {
		return nil, dbErr("select organization ids", err)
	}
	return ids, nil
}
