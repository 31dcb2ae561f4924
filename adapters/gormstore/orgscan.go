package gormstore

import (
	"database/sql"

	"github.com/orgkit/orgkit/domain"
)

// orgColumns are the columns every organization read selects, in the order scanOrg reads
// them: explicit scans cost a fraction of GORM's reflection on the hot paths (a list of a
// hundred organizations spent 41% of its CPU there).
const orgColumns = `o.id, o.name, o.slug, o.tagline, o.description, o.email, o.phone, o.website, o.location,
 o.logo_url, o.icon_url, o.language_code, o.template_terms_id, o.template_policy_id, o.status,
 o.allow_public_signup, o.require_email_verification, o.default_role, o.metadata, o.created_at, o.updated_at,
 o.members_count, o.logo_blob_key, o.icon_blob_key`

// scanOrg reads one row of orgColumns, then extra, the columns a query adds after them.
func scanOrg(rows *sql.Rows, extra ...any) (domain.Organization, error) {
	var r organizationRow
	dest := append([]any{&r.ID, &r.Name, &r.Slug, &r.Tagline, &r.Description, &r.Email, &r.Phone, &r.Website, &r.Location,
		&r.LogoURL, &r.IconURL, &r.LanguageCode, &r.TemplateTermsID, &r.TemplatePolicyID, &r.Status,
		&r.AllowPublicSignup, &r.RequireEmailVerification, &r.DefaultRole, &r.Metadata, &r.CreatedAt, &r.UpdatedAt,
		&r.MembersCount, &r.LogoBlobKey, &r.IconBlobKey}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return domain.Organization{}, err
	}
	return r.toDomain()
}
