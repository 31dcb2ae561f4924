package httpapi

import (
	"time"

	"github.com/orgkit/orgkit/domain"
)

// timestamp renders as RFC 3339 in UTC with second precision.
type timestamp time.Time

func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

// optionalTimestamp is t as a timestamp, nil (JSON null) when t is.
func optionalTimestamp(t *time.Time) *timestamp {
	if t == nil {
		return nil
	}
	ts := timestamp(*t)
	return &ts
}

type settingsJSON struct {
	AllowPublicSignup        bool        `json:"allow_public_signup"`
	RequireEmailVerification bool        `json:"require_email_verification"`
	DefaultRole              domain.Role `json:"default_role"`
}

type organizationJSON struct {
	ID               int64           `json:"id"`
	Name             string          `json:"name"`
	Slug             string          `json:"slug"`
	Tagline          *string         `json:"tagline"`
	Description      *string         `json:"description"`
	Email            *string         `json:"email"`
	Phone            *string         `json:"phone"`
	Website          *string         `json:"website"`
	Location         *string         `json:"location"`
	LogoURL          *string         `json:"logo_url"`
	IconURL          *string         `json:"icon_url"`
	LanguageCode     *string         `json:"language_code"`
	TemplateTermsID  *int64          `json:"template_terms_id"`
	TemplatePolicyID *int64          `json:"template_policy_id"`
	Status           domain.Status   `json:"status"`
	Settings         settingsJSON    `json:"settings"`
	Metadata         domain.Metadata `json:"metadata"`
	MembersCount     int64           `json:"members_count"`
	CreatedAt        timestamp       `json:"created_at"`
	UpdatedAt        timestamp       `json:"updated_at"`
}

func toOrganizationJSON(o domain.Organization) organizationJSON {
	meta := o.Metadata
	if meta == nil {
		meta = domain.Metadata{}
	}
	return organizationJSON{
		ID: o.ID, Name: o.Name, Slug: o.Slug, Tagline: o.Tagline, Description: o.Description,
		Email: o.Email, Phone: o.Phone, Website: o.Website, Location: o.Location,
		LogoURL: o.LogoURL, IconURL: o.IconURL, LanguageCode: o.LanguageCode,
		TemplateTermsID: o.TemplateTermsID, TemplatePolicyID: o.TemplatePolicyID,
		Status:   o.Status,
		Settings: settingsJSON(o.Settings),
		Metadata: meta, MembersCount: o.MembersCount,
		CreatedAt: timestamp(o.CreatedAt), UpdatedAt: timestamp(o.UpdatedAt),
	}
}

type pageMeta struct {
	Page       int   `json:"page"`
	PageSize   int   `json:"page_size"`
	Total      int64 `json:"total"`
	TotalPages int64 `json:"total_pages"`
}

func toPageMeta[T any](p domain.Page[T]) pageMeta {
	return pageMeta{Page: p.Page, PageSize: p.PageSize, Total: p.Total, TotalPages: p.TotalPages()}
}

// cursorPageMeta is the meta of a list with keyset paging: page is null on a page reached by
// cursor, and cursor (null on the last page) asks for the next one.
type cursorPageMeta struct {
	Page       *int    `json:"page"`
	PageSize   int     `json:"page_size"`
	Total      int64   `json:"total"`
	TotalPages int64   `json:"total_pages"`
	Cursor     *string `json:"cursor"`
}

func toCursorPageMeta[T any](p domain.Page[T]) cursorPageMeta {
	m := cursorPageMeta{PageSize: p.PageSize, Total: p.Total, TotalPages: p.TotalPages()}
	if p.Page > 0 {
		m.Page = &p.Page
	}
	if p.Next != nil {
		c := p.Next.String()
		m.Cursor = &c
	}
	return m
}

// userJSON is a user as platform events show it (superadmin grants, email moves): what
// GET /v1/me shows of the user record, without the caller's organizations.
type userJSON struct {
	ID            int64     `json:"id"`
	Subject       string    `json:"subject"`
	Email         *string   `json:"email"`
	Name          *string   `json:"name"`
	EmailVerified bool      `json:"email_verified"`
	IsSuperadmin  bool      `json:"is_superadmin"`
	CreatedAt     timestamp `json:"created_at"`
	UpdatedAt     timestamp `json:"updated_at"`
}

func toUserJSON(u domain.User) userJSON {
	return userJSON{ID: u.ID, Subject: u.Subject, Email: u.Email, Name: u.Name, EmailVerified: u.EmailVerified,
		IsSuperadmin: u.IsSuperadmin, CreatedAt: timestamp(u.CreatedAt), UpdatedAt: timestamp(u.UpdatedAt)}
}

type meJSON struct {
	ID                    int64     `json:"id"`
	Subject               string    `json:"subject"`
	Email                 *string   `json:"email"`
	Name                  *string   `json:"name"`
	IsSuperadmin          bool      `json:"is_superadmin"`
	OrganizationIDs       []int64   `json:"organization_ids"`
	CurrentOrganizationID *int64    `json:"current_organization_id"`
	CreatedAt             timestamp `json:"created_at"`
	UpdatedAt             timestamp `json:"updated_at"`
}

func toMeJSON(m domain.Me) meJSON {
	ids := m.OrganizationIDs
	if ids == nil {
		ids = []int64{}
	}
	return meJSON{
		ID: m.User.ID, Subject: m.User.Subject, Email: m.User.Email, Name: m.User.Name,
		IsSuperadmin: m.Superadmin, OrganizationIDs: ids,
		CurrentOrganizationID: m.User.CurrentOrganizationID,
		CreatedAt:             timestamp(m.User.CreatedAt), UpdatedAt: timestamp(m.User.UpdatedAt),
	}
}
