package gormstore

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// organizationRow is the persistence shape of domain.Organization.
type organizationRow struct {
	ID                       int64 `gorm:"primaryKey"`
	Name                     string
	Slug                     string
	Tagline                  *string
	Description              *string
	Email                    *string
	Phone                    *string
	Website                  *string
	Location                 *string
	LogoURL                  *string `gorm:"column:logo_url"`
	IconURL                  *string `gorm:"column:icon_url"`
	LanguageCode             *string
	TemplateTermsID          *int64
	TemplatePolicyID         *int64
	Status                   string
	AllowPublicSignup        bool
	RequireEmailVerification bool
	DefaultRole              string
	Metadata                 string
	MembersCount             int64 `gorm:"->"` // kept by the memberships triggers, never written here
	CreatedAt                time.Time
	UpdatedAt                time.Time
	LogoBlobKey              *string
	IconBlobKey              *string
}

func (organizationRow) TableName() string { return "orgkit_organizations" }

func orgToRow(o domain.Organization) (organizationRow, error) {
	meta := o.Metadata
	if meta == nil {
		meta = domain.Metadata{}
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return organizationRow{}, err
	}
	return organizationRow{
		ID: o.ID, Name: o.Name, Slug: o.Slug, Tagline: o.Tagline, Description: o.Description,
		Email: o.Email, Phone: o.Phone, Website: o.Website, Location: o.Location,
		LogoURL: o.LogoURL, IconURL: o.IconURL, LanguageCode: o.LanguageCode,
		TemplateTermsID: o.TemplateTermsID, TemplatePolicyID: o.TemplatePolicyID,
		Status: string(o.Status), AllowPublicSignup: o.Settings.AllowPublicSignup,
		RequireEmailVerification: o.Settings.RequireEmailVerification,
		DefaultRole:              string(o.Settings.DefaultRole), Metadata: string(b),
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
		LogoBlobKey: o.LogoBlobKey, IconBlobKey: o.IconBlobKey,
	}, nil
}

func (r organizationRow) toDomain() (domain.Organization, error) {
	meta := domain.Metadata{}
	if r.Metadata != "" && r.Metadata != "{}" { // most organizations have none: no decoder
		// UseNumber keeps numbers exact: 12345678901234567890 is not a float64.
		dec := json.NewDecoder(strings.NewReader(r.Metadata))
		dec.UseNumber()
		if err := dec.Decode(&meta); err != nil {
			return domain.Organization{}, err
		}
	}
	return domain.Organization{
		ID: r.ID, Name: r.Name, Slug: r.Slug, Tagline: r.Tagline, Description: r.Description,
		Email: r.Email, Phone: r.Phone, Website: r.Website, Location: r.Location,
		LogoURL: r.LogoURL, IconURL: r.IconURL, LanguageCode: r.LanguageCode,
		TemplateTermsID: r.TemplateTermsID, TemplatePolicyID: r.TemplatePolicyID,
		Status: domain.Status(r.Status),
		Settings: domain.Settings{
			AllowPublicSignup:        r.AllowPublicSignup,
			RequireEmailVerification: r.RequireEmailVerification,
			DefaultRole:              domain.Role(r.DefaultRole),
		},
		Metadata: meta, MembersCount: r.MembersCount,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
		LogoBlobKey: r.LogoBlobKey, IconBlobKey: r.IconBlobKey,
	}, nil
}

// columnValues maps the domain's patch column names to values of row. Settings fan out to
// their three columns.
func (r organizationRow) columnValues(cols []string) map[string]any {
	all := map[string]any{
		domain.ColName: r.Name, domain.ColTagline: r.Tagline, domain.ColDescription: r.Description,
		domain.ColEmail: r.Email, domain.ColPhone: r.Phone, domain.ColWebsite: r.Website,
		domain.ColLocation: r.Location, domain.ColLogoURL: r.LogoURL, domain.ColIconURL: r.IconURL,
		domain.ColLanguageCode: r.LanguageCode, domain.ColTemplateTermsID: r.TemplateTermsID,
		domain.ColTemplatePolicyID: r.TemplatePolicyID, domain.ColStatus: r.Status,
		domain.ColMetadata: r.Metadata, domain.ColLogoBlobKey: r.LogoBlobKey, domain.ColIconBlobKey: r.IconBlobKey,
	}
	out := map[string]any{"updated_at": r.UpdatedAt}
	for _, c := range cols {
		if c == domain.ColSettings {
			out["allow_public_signup"] = r.AllowPublicSignup
			out["require_email_verification"] = r.RequireEmailVerification
			out["default_role"] = r.DefaultRole
			continue
		}
		if v, ok := all[c]; ok {
			out[c] = v
		}
	}
	return out
}

type userRow struct {
	ID                    int64 `gorm:"primaryKey"`
	Subject               string
	Email                 *string
	EmailVerified         bool
	Name                  *string
	IsSuperadmin          bool
	CurrentOrganizationID *int64
	PersonalCheckedAt     *time.Time
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (userRow) TableName() string { return "orgkit_users" }

func (r userRow) toDomain() domain.User {
	return domain.User{
		ID: r.ID, Subject: r.Subject, Email: r.Email, EmailVerified: r.EmailVerified, Name: r.Name, IsSuperadmin: r.IsSuperadmin,
		CurrentOrganizationID: r.CurrentOrganizationID, PersonalCheckedAt: utc(r.PersonalCheckedAt),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
}

type membershipRow struct {
	OrganizationID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID         int64 `gorm:"primaryKey;autoIncrement:false"`
	Role           string
	CreatedAt      time.Time
}

func (membershipRow) TableName() string { return "orgkit_memberships" }

func membershipToRow(m domain.Membership) membershipRow {
	return membershipRow{OrganizationID: m.OrganizationID, UserID: m.UserID, Role: string(m.Role), CreatedAt: m.CreatedAt.UTC()}
}

func (r membershipRow) toDomain() domain.Membership {
	return domain.Membership{OrganizationID: r.OrganizationID, UserID: r.UserID, Role: domain.Role(r.Role), CreatedAt: r.CreatedAt.UTC()}
}
