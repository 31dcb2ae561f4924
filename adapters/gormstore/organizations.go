package gormstore

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

type orgRepo repos

var _ ports.OrganizationRepo = orgRepo{}

// orgSelect adds members_count to every organization read.
const orgSelect = "orgkit_organizations.*, (SELECT COUNT(*) FROM orgkit_memberships m WHERE m.organization_id = orgkit_organizations.id) AS members_count"

func (r orgRepo) query(ctx context.Context) *gorm.DB {
	return r.db.WithContext(ctx).Table("orgkit_organizations").Select(orgSelect)
}

func (r orgRepo) Create(ctx context.Context, o domain.Organization) (domain.Organization, error) {
	row, err := orgToRow(o)
	if err != nil {
		return o, err
	}
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		if isConstraint(err, "orgkit_organizations_slug_key") {
			return o, domain.ErrSlugTaken
		}
		return o, dbErr("insert organization", err)
	}
	return row.toDomain()
}

func (r orgRepo) take(q *gorm.DB) (domain.Organization, error) {
	var row organizationRow
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.Organization{}, domain.ErrOrganizationNotFound
		}
		return domain.Organization{}, dbErr("select organization", err)
	}
	return row.toDomain()
}

func (r orgRepo) Get(ctx context.Context, id int64) (domain.Organization, error) {
	return r.take(r.query(ctx).Where("orgkit_organizations.id = ?", id))
}

func (r orgRepo) GetForUpdate(ctx context.Context, id int64) (domain.Organization, error) {
	if r.dialect == Postgres {
		// Lock the bare row first: FOR UPDATE cannot be combined with the count subquery.
		var found []int64
		if err := r.db.WithContext(ctx).Raw("SELECT id FROM orgkit_organizations WHERE id = ? FOR UPDATE", id).Scan(&found).Error; err != nil {
			return domain.Organization{}, dbErr("lock organization", err)
		}
		if len(found) == 0 {
			return domain.Organization{}, domain.ErrOrganizationNotFound
		}
	}
	return r.Get(ctx, id)
}

func (r orgRepo) GetBySlug(ctx context.Context, slug string) (domain.Organization, error) {
	return r.take(r.query(ctx).Where("orgkit_organizations.slug = ?", slug))
}

func (r orgRepo) Joinable(ctx context.Context, domainName string, userID int64) ([]domain.Organization, error) {
	var rows []organizationRow
	err := r.query(ctx).
		Where("orgkit_organizations.status = ? AND orgkit_organizations.allow_public_signup", string(domain.StatusActive)).
		Where("EXISTS (SELECT 1 FROM orgkit_domains d WHERE d.organization_id = orgkit_organizations.id AND d.domain = ? AND d.status = ?)",
			domainName, string(domain.DomainVerified)).
		Where("NOT EXISTS (SELECT 1 FROM orgkit_memberships jm WHERE jm.organization_id = orgkit_organizations.id AND jm.user_id = ?)", userID).
		Order("orgkit_organizations.name, orgkit_organizations.id").Find(&rows).Error
	if err != nil {
		return nil, dbErr("list joinable organizations", err)
	}
	out := make([]domain.Organization, 0, len(rows))
	for _, row := range rows {
		o, err := row.toDomain()
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

func (r orgRepo) PublicBySlug(ctx context.Context, slug string) (domain.PublicOrganization, error) {
	return takePublic(r.db.WithContext(ctx).Table("orgkit_organizations o").
		Where("o.slug = ? AND o.status = ?", slug, string(domain.StatusActive)))
}

func (r orgRepo) List(ctx context.Context, q domain.OrganizationQuery) (domain.Page[domain.Organization], error) {
	page := domain.Page[domain.Organization]{Page: q.Page, PageSize: q.PageSize, Items: []domain.Organization{}}
	filter := r.db.WithContext(ctx).Table("orgkit_organizations")
	if q.MemberID != nil {
		filter = filter.Where("orgkit_organizations.id IN (SELECT organization_id FROM orgkit_memberships WHERE user_id = ?)", *q.MemberID)
	}
	if q.Status != nil {
		filter = filter.Where("orgkit_organizations.status = ?", string(*q.Status))
	}
	if q.Search != "" {
		like := "%" + escapeLike(strings.ToLower(q.Search)) + "%"
		filter = filter.Where(`(lower(orgkit_organizations.name) LIKE ? ESCAPE '\' OR lower(orgkit_organizations.slug) LIKE ? ESCAPE '\')`, like, like)
	}
	if err := filter.Session(&sessionCopy).Count(&page.Total).Error; err != nil {
		return page, dbErr("count organizations", err)
	}
	dir := "ASC"
	if q.Sort.Desc {
		dir = "DESC"
	}
	col, ok := sortColumns[q.Sort.Field]
	if !ok {
		return page, domain.InvalidField("sort", "cannot sort by %q", q.Sort.Field)
	}
	// id breaks ties so pages are stable.
	order := col + " " + dir + ", orgkit_organizations.id " + dir
	var rows []organizationRow
	err := filter.Select(orgSelect).Order(order).Limit(q.PageSize).Offset(q.Offset()).Find(&rows).Error
	if err != nil {
		return page, dbErr("list organizations", err)
	}
	for _, row := range rows {
		o, err := row.toDomain()
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, o)
	}
	return page, nil
}

// sortColumns is the store's own map from the domain's sort names to columns: nothing a
// caller sends is ever spliced into SQL.
var sortColumns = map[string]string{
	"name": "orgkit_organizations.name", "created_at": "orgkit_organizations.created_at", "updated_at": "orgkit_organizations.updated_at",
}

// sessionCopy makes a query reusable after Count.
var sessionCopy = gorm.Session{}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (r orgRepo) Update(ctx context.Context, o domain.Organization, columns []string) (domain.Organization, error) {
	row, err := orgToRow(o)
	if err != nil {
		return o, err
	}
	res := r.db.WithContext(ctx).Table("orgkit_organizations").Where("id = ?", o.ID).Updates(row.columnValues(columns))
	if res.Error != nil {
		return o, dbErr("update organization", res.Error)
	}
	if res.RowsAffected == 0 {
		return o, domain.ErrOrganizationNotFound
	}
	return r.Get(ctx, o.ID)
}

func (r orgRepo) Delete(ctx context.Context, id int64) error {
	db := r.db.WithContext(ctx)
	// Explicit deletes rather than relying on ON DELETE alone, so the statement list is the
	// documentation of what "all its associated data" means.
	if err := db.Exec("UPDATE orgkit_users SET current_organization_id = NULL WHERE current_organization_id = ?", id).Error; err != nil {
		return dbErr("clear current organization", err)
	}
	for _, table := range []string{"orgkit_memberships", "orgkit_api_keys", "orgkit_domains", "orgkit_invites", "orgkit_invitations"} {
		if err := db.Exec("DELETE FROM "+table+" WHERE organization_id = ?", id).Error; err != nil {
			return dbErr("delete "+table, err)
		}
	}
	res := db.Exec("DELETE FROM orgkit_organizations WHERE id = ?", id)
	if res.Error != nil {
		return dbErr("delete organization", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrOrganizationNotFound
	}
	return nil
}
