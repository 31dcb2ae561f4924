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

type domainRepo repos

var _ ports.DomainRepo = domainRepo{}

type domainRow struct {
	ID                int64 `gorm:"primaryKey"`
	OrganizationID    int64
	Domain            string
	DomainType        string
	Status            string
	VerificationToken string
	FailureReason     *string
	VerifiedAt        *time.Time
	LastCheckAt       *time.Time
	FailingSince      *time.Time
	RetryUntil        *time.Time
	NextCheckAt       *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (domainRow) TableName() string { return "orgkit_domains" }

func domainToRow(d domain.CustomDomain) domainRow {
	row := domainRow{ID: d.ID, OrganizationID: d.OrganizationID, Domain: d.Name, DomainType: d.Type, Status: string(d.Status),
		VerificationToken: d.VerificationToken, VerifiedAt: utc(d.VerifiedAt), LastCheckAt: utc(d.LastCheckAt),
		FailingSince: utc(d.FailingSince), RetryUntil: utc(d.RetryUntil), NextCheckAt: utc(d.NextCheckAt),
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
	if d.FailureReason != nil {
		reason := string(*d.FailureReason)
		row.FailureReason = &reason
	}
	return row
}

func (r domainRow) toDomain() domain.CustomDomain {
	d := domain.CustomDomain{ID: r.ID, OrganizationID: r.OrganizationID, Name: r.Domain, Type: r.DomainType,
		Status: domain.DomainStatus(r.Status), VerificationToken: r.VerificationToken, VerifiedAt: utc(r.VerifiedAt),
		LastCheckAt: utc(r.LastCheckAt), FailingSince: utc(r.FailingSince), RetryUntil: utc(r.RetryUntil),
		NextCheckAt: utc(r.NextCheckAt), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.FailureReason != nil {
		reason := domain.FailureReason(*r.FailureReason)
		d.FailureReason = &reason
	}
	return d
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func domainsToDomain(rows []domainRow) []domain.CustomDomain {
	out := make([]domain.CustomDomain, 0, len(rows))
	for _, row := range rows {
		out = append(out, row.toDomain())
	}
	return out
}

func (r domainRepo) Create(ctx context.Context, d domain.CustomDomain) (domain.CustomDomain, error) {
	row := domainToRow(d)
	row.ID = 0
	if err := r.db.WithContext(ctx).Create(&row).Error; err != nil {
		// A new domain is pending, so of the table's unique indexes only the per-organization one applies.
		if isConstraint(err, "orgkit_domains_org_domain_key") {
			return d, domain.ErrDomainExists
		}
		if sqliteForeignKey(err) { // the one foreign key is the organization's
			return d, domain.ErrOrganizationNotFound
		}
		return d, dbErr("insert domain", err)
	}
	return row.toDomain(), nil
}

func (r domainRepo) List(ctx context.Context, orgID int64) ([]domain.CustomDomain, error) {
	var rows []domainRow
	if err := r.db.WithContext(ctx).Where("organization_id = ?", orgID).Order("id").Find(&rows).Error; err != nil {
		return nil, dbErr("list domains", err)
	}
	return domainsToDomain(rows), nil
}

func (r domainRepo) Get(ctx context.Context, orgID, id int64) (domain.CustomDomain, error) {
	return r.take(r.db.WithContext(ctx).Where("organization_id = ? AND id = ?", orgID, id))
}

func (r domainRepo) GetForUpdate(ctx context.Context, orgID, id int64) (domain.CustomDomain, error) {
	q := r.db.WithContext(ctx)
	if r.dialect == Postgres {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return r.take(q.Where("organization_id = ? AND id = ?", orgID, id))
}

func (r domainRepo) take(q *gorm.DB) (domain.CustomDomain, error) {
	var row domainRow
	if err := q.Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.CustomDomain{}, domain.ErrDomainNotFound
		}
		return domain.CustomDomain{}, dbErr("select domain", err)
	}
	return row.toDomain(), nil
}

func (r domainRepo) Update(ctx context.Context, d domain.CustomDomain) (domain.CustomDomain, error) {
	row := domainToRow(d)
	res := r.db.WithContext(ctx).Table("orgkit_domains").Where("organization_id = ? AND id = ?", d.OrganizationID, d.ID).
		Updates(map[string]any{"status": row.Status, "failure_reason": row.FailureReason, "verified_at": row.VerifiedAt,
			"last_check_at": row.LastCheckAt, "failing_since": row.FailingSince, "retry_until": row.RetryUntil,
			"next_check_at": row.NextCheckAt, "updated_at": row.UpdatedAt})
	if res.Error != nil {
		// An update can break only the one-verified-row-per-name index.
		if isConstraint(res.Error, "orgkit_domains_verified_key") {
			return d, domain.ErrDomainTaken
		}
		return d, dbErr("update domain", res.Error)
	}
	if res.RowsAffected == 0 {
		return d, domain.ErrDomainNotFound
	}
	return d, nil
}

func (r domainRepo) Delete(ctx context.Context, orgID, id int64) error {
	res := r.db.WithContext(ctx).Exec("DELETE FROM orgkit_domains WHERE organization_id = ? AND id = ?", orgID, id)
	if res.Error != nil {
		return dbErr("delete domain", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.ErrDomainNotFound
	}
	return nil
}

func (r domainRepo) ByName(ctx context.Context, name string) ([]domain.CustomDomain, error) {
	var rows []domainRow
	if err := r.db.WithContext(ctx).Where("domain = ?", name).Order("id").Find(&rows).Error; err != nil {
		return nil, dbErr("select domains by name", err)
	}
	return domainsToDomain(rows), nil
}

// ClaimDue: see claimDue.
func (r domainRepo) ClaimDue(ctx context.Context, now, leaseUntil time.Time, limit int) ([]domain.CustomDomain, error) {
	rows, err := claimDue(ctx, repos(r), "orgkit_domains", "next_check_at", now, leaseUntil, limit, func(d domainRow) int64 { return d.ID })
	return domainsToDomain(rows), err
}

func (r domainRepo) PublicOrganization(ctx context.Context, name string) (domain.PublicOrganization, error) {
	return takePublic(r.db.WithContext(ctx).Table("orgkit_organizations o").
		Joins("JOIN orgkit_domains d ON d.organization_id = o.id").
		Where("d.domain = ? AND d.status = ? AND o.status = ?", name, string(domain.DomainVerified), string(domain.StatusActive)))
}

// publicRow is what resolve reads of an organization.
type publicRow struct {
	ID           int64
	Name         string
	Slug         string
	LogoURL      *string `gorm:"column:logo_url"`
	IconURL      *string `gorm:"column:icon_url"`
	LanguageCode *string
}

func takePublic(q *gorm.DB) (domain.PublicOrganization, error) {
	var row publicRow
	if err := q.Select("o.id, o.name, o.slug, o.logo_url, o.icon_url, o.language_code").Take(&row).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return domain.PublicOrganization{}, domain.ErrOrganizationNotFound
		}
		return domain.PublicOrganization{}, dbErr("resolve organization", err)
	}
	return domain.PublicOrganization{ID: row.ID, Name: row.Name, Slug: row.Slug, LogoURL: row.LogoURL,
		IconURL: row.IconURL, LanguageCode: row.LanguageCode}, nil
}
