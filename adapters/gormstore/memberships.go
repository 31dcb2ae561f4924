package gormstore

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

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

// memberRow is a membership joined with its user, as the members list shows it.
type memberRow struct {
	UserID   int64
	Email    *string
	Name     *string
	Role     string
	JoinedAt time.Time
}

func (r memberRow) toDomain() domain.Member {
	return domain.Member{UserID: r.UserID, Email: r.Email, Name: r.Name, Role: domain.Role(r.Role), JoinedAt: r.JoinedAt.UTC()}
}

// memberSelect reads members of the memberships aliased m joined with their users u.
const memberSelect = "m.user_id, u.email, u.name, m.role, m.created_at AS joined_at"

func (r membershipRepo) members(ctx context.Context, orgID int64) *gorm.DB {
	return r.db.WithContext(ctx).Table("orgkit_memberships m").Joins("JOIN orgkit_users u ON u.id = m.user_id").
		Where("m.organization_id = ?", orgID)
}

func (r membershipRepo) List(ctx context.Context, orgID int64, q domain.MemberQuery) (domain.Page[domain.Member], error) {
	page := domain.Page[domain.Member]{Page: q.Page, PageSize: q.PageSize, Items: []domain.Member{}}
	// The total counts what the filters keep; only a search needs the users to count.
	filter := func(withUsers bool) *gorm.DB {
		f := r.db.WithContext(ctx).Table("orgkit_memberships m").Where("m.organization_id = ?", orgID)
		if withUsers {
			f = f.Joins("JOIN orgkit_users u ON u.id = m.user_id")
		}
		if q.Role != nil {
			f = f.Where("m.role = ?", string(*q.Role))
		}
		if q.Q != "" {
			like := "%" + escapeLike(strings.ToLower(q.Q)) + "%"
			f = f.Where(`(lower(u.email) LIKE ? ESCAPE '\' OR lower(u.name) LIKE ? ESCAPE '\')`, like, like)
		}
		return f
	}
	if err := filter(q.Q != "").Count(&page.Total).Error; err != nil {
		return page, dbErr("count members", err)
	}
	var rows []memberRow
	err := filter(true).Select(memberSelect).
		Order("m.created_at, m.user_id").Limit(q.PageSize).Offset(q.Offset()).Find(&rows).Error
	if err != nil {
		return page, dbErr("list members", err)
	}
	for _, row := range rows {
		page.Items = append(page.Items, row.toDomain())
	}
	return page, nil
}

func (r membershipRepo) Get(ctx context.Context, orgID, userID int64) (domain.Member, error) {
	var rows []memberRow
	err := r.members(ctx, orgID).Where("m.user_id = ?", userID).Select(memberSelect).Limit(1).Find(&rows).Error
	if err != nil {
		return domain.Member{}, dbErr("select member", err)
	}
	if len(rows) == 0 {
		return domain.Member{}, domain.ErrMemberNotFound
	}
	return rows[0].toDomain(), nil
}

func (r membershipRepo) SetRole(ctx context.Context, orgID, userID int64, role domain.Role) error {
	return r.exec(ctx, "set member role", "UPDATE orgkit_memberships SET role = ? WHERE organization_id = ? AND user_id = ?",
		string(role), orgID, userID)
}

func (r membershipRepo) Delete(ctx context.Context, orgID, userID int64) error {
	return r.exec(ctx, "delete membership", "DELETE FROM orgkit_memberships WHERE organization_id = ? AND user_id = ?", orgID, userID)
}

// exec changes one membership. Errors: member_not_found when no row matched.
func (r membershipRepo) exec(ctx context.Context, op, sql string, args ...any) error {
	res := r.db.WithContext(ctx).Exec(sql, args...)
	if res.Error != nil {
		return dbErr(op, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrMemberNotFound
	}
	return nil
}

func (r membershipRepo) CountOwners(ctx context.Context, orgID int64) (int64, error) {
	var n int64
	err := r.db.WithContext(ctx).Table("orgkit_memberships").Where("organization_id = ? AND role = ?", orgID, string(domain.RoleOwner)).Count(&n).Error
	if err != nil {
		return 0, dbErr("count owners", err)
	}
	return n, nil
}
