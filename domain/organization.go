package domain

import (
	"bytes"
	"encoding/json"
	"time"
)

// Status is an organization's lifecycle state.
type Status string

// Organization statuses.
const (
	StatusActive    Status = "active"
	StatusSuspended Status = "suspended"
	StatusArchived  Status = "archived"
)

// Admits refuses the members of an organization that is not active: a suspended or
// archived organization is closed to everyone but superadmins (who reopen it).
// Errors: forbidden.
func (o Organization) Admits(p Principal) error {
	if o.Status == StatusActive || o.Status == "" || p.Superadmin {
		return nil
	}
	return Errorf(CodeForbidden, "the organization is %s", o.Status)
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	return s == StatusActive || s == StatusSuspended || s == StatusArchived
}

// Settings are an organization's behaviour switches.
type Settings struct {
	AllowPublicSignup        bool `json:"allow_public_signup"`
	RequireEmailVerification bool `json:"require_email_verification"`
	DefaultRole              Role `json:"default_role"`
}

// DefaultSettings are what a new organization starts with.
func DefaultSettings() Settings {
	return Settings{RequireEmailVerification: true, DefaultRole: RoleMember}
}

// Metadata bounds: metadata is for small integration hints, not a document store.
const (
	MetadataMaxBytes = 8 << 10
	MetadataMaxKeys  = 50
)

// Metadata is a JSON object of the caller's own keys.
type Metadata map[string]any

// Organization is the tenant: the root every membership, domain and key belongs to.
type Organization struct {
	ID               int64
	Name             string
	Slug             string
	Tagline          *string
	Description      *string
	Email            *string
	Phone            *string
	Website          *string
	Location         *string
	LogoURL          *string
	IconURL          *string
	LanguageCode     *string
	TemplateTermsID  *int64
	TemplatePolicyID *int64
	Status           Status
	Settings         Settings
	Metadata         Metadata
	MembersCount     int64
	CreatedAt        time.Time
	UpdatedAt        time.Time
	// LogoBlobKey and IconBlobKey name the blobs of an uploaded logo and icon (nil: none, or
	// an external URL). They are never shown: LogoURL and IconURL are the public face.
	LogoBlobKey *string
	IconBlobKey *string
}

// Validate checks every invariant of o and reports all bad fields at once.
func (o *Organization) Validate() error {
	var v Validation
	validateName(&v, o.Name)
	ValidateSlug(&v, o.Slug)
	validateText(&v, "tagline", o.Tagline, ShortTextMax, false)
	validateText(&v, "description", o.Description, DescriptionMax, true)
	validateEmail(&v, "email", o.Email)
	validatePhone(&v, o.Phone)
	validateURL(&v, "website", o.Website)
	validateText(&v, "location", o.Location, ShortTextMax, false)
	validateURL(&v, "logo_url", o.LogoURL)
	validateURL(&v, "icon_url", o.IconURL)
	validateLanguage(&v, o.LanguageCode)
	validatePositive(&v, "template_terms_id", o.TemplateTermsID)
	validatePositive(&v, "template_policy_id", o.TemplatePolicyID)
	if !o.Status.Valid() {
		v.Add("status", "status must be one of active, suspended, archived")
	}
	if !o.Settings.DefaultRole.Assignable() {
		v.Add("settings.default_role", "default_role must be one of admin, member, viewer")
	}
	validateMetadata(&v, o.Metadata)
	return v.Err()
}

func validateMetadata(v *Validation, m Metadata) {
	if len(m) > MetadataMaxKeys {
		v.Add("metadata", "metadata may hold at most %d keys", MetadataMaxKeys)
		return
	}
	if !safeJSON(map[string]any(m)) {
		v.Add("metadata", "metadata keys and strings must be valid UTF-8 text without NUL or control characters")
		return
	}
	if n, err := m.StoredSize(); err != nil || n > MetadataMaxBytes {
		v.Add("metadata", "metadata must be a JSON object of at most %d bytes, numbers counted written out without an exponent", MetadataMaxBytes)
	}
}

// Size is the length of m as compact JSON, as a client would send it: without Go's HTML
// escaping of <, > and &, which would count one byte as six.
func (m Metadata) Size() (int, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(map[string]any(m)); err != nil {
		return 0, err
	}
	return b.Len() - 1, nil // Encode ends with a newline
}

// safeJSON reports whether every key and string in a decoded JSON value is safe text.
func safeJSON(v any) bool {
	switch t := v.(type) {
	case string:
		return SafeText(t, true)
	case map[string]any:
		for k, e := range t {
			if !SafeText(k, false) || !safeJSON(e) {
				return false
			}
		}
	case Metadata:
		return safeJSON(map[string]any(t))
	case []any:
		for _, e := range t {
			if !safeJSON(e) {
				return false
			}
		}
	}
	return true
}

// Optional is one field of a partial update: Set says the field was present; a nil Value
// with Set clears it (JSON null), an unset Optional leaves the field alone.
type Optional[T any] struct {
	Set   bool
	Value *T
}

// Some is a present, non-null Optional.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: &v} }

// OrganizationPatch is a partial update of an organization. Slug, id and timestamps are not
// part of it: slugs are permanent because URLs are built from them.
type OrganizationPatch struct {
	Name             Optional[string]
	Tagline          Optional[string]
	Description      Optional[string]
	Email            Optional[string]
	Phone            Optional[string]
	Website          Optional[string]
	Location         Optional[string]
	LogoURL          Optional[string]
	IconURL          Optional[string]
	LanguageCode     Optional[string]
	TemplateTermsID  Optional[int64]
	TemplatePolicyID Optional[int64]
	Status           Optional[Status]
	Settings         SettingsPatch
	Metadata         Optional[Metadata]
}

// SettingsPatch updates settings key by key; settings cannot be null.
type SettingsPatch struct {
	AllowPublicSignup        *bool
	RequireEmailVerification *bool
	DefaultRole              *Role
}

func (p SettingsPatch) empty() bool {
	return p.AllowPublicSignup == nil && p.RequireEmailVerification == nil && p.DefaultRole == nil
}

// Column names changed by a patch, as the persistence layer names them.
const (
	ColName             = "name"
	ColTagline          = "tagline"
	ColDescription      = "description"
	ColEmail            = "email"
	ColPhone            = "phone"
	ColWebsite          = "website"
	ColLocation         = "location"
	ColLogoURL          = "logo_url"
	ColIconURL          = "icon_url"
	ColLanguageCode     = "language_code"
	ColTemplateTermsID  = "template_terms_id"
	ColTemplatePolicyID = "template_policy_id"
	ColStatus           = "status"
	ColSettings         = "settings"
	ColMetadata         = "metadata"
	ColLogoBlobKey      = "logo_blob_key" // written with logo_url; never audited nor shown
	ColIconBlobKey      = "icon_blob_key"
)

// AuditedColumns are cols without the internal ones (blob keys): what an audit record names.
func AuditedColumns(cols []string) []string {
	out := make([]string, 0, len(cols))
	for _, c := range cols {
		if c != ColLogoBlobKey && c != ColIconBlobKey {
			out = append(out, c)
		}
	}
	return out
}

// TouchesStatus reports whether the patch changes the status, which only superadmins may do.
func (p OrganizationPatch) TouchesStatus() bool { return p.Status.Set }

// Apply returns o with p applied, validated, and the names of the changed fields. It never
// modifies o, so a failed validation leaves nothing half-written.
func (p OrganizationPatch) Apply(o Organization) (Organization, []string, error) {
	var changed []string
	if p.Name.Set {
		if p.Name.Value == nil {
			return o, nil, InvalidField("name", "name cannot be null")
		}
		o.Name = *p.Name.Value
		changed = append(changed, ColName)
	}
	if p.Status.Set {
		if p.Status.Value == nil {
			return o, nil, InvalidField("status", "status cannot be null")
		}
		o.Status = *p.Status.Value
		changed = append(changed, ColStatus)
	}
	strs := []struct {
		opt Optional[string]
		dst **string
		col string
	}{
		{p.Tagline, &o.Tagline, ColTagline}, {p.Description, &o.Description, ColDescription},
		{p.Email, &o.Email, ColEmail}, {p.Phone, &o.Phone, ColPhone},
		{p.Website, &o.Website, ColWebsite}, {p.Location, &o.Location, ColLocation},
		{p.LogoURL, &o.LogoURL, ColLogoURL}, {p.IconURL, &o.IconURL, ColIconURL},
		{p.LanguageCode, &o.LanguageCode, ColLanguageCode},
	}
	// A URL set by hand (external, or null) replaces an uploaded image, whose blob is let go;
	// the same URL sent back (a client echoing the organization) keeps it.
	dropLogo := p.LogoURL.Set && o.LogoBlobKey != nil && !sameString(p.LogoURL.Value, o.LogoURL)
	dropIcon := p.IconURL.Set && o.IconBlobKey != nil && !sameString(p.IconURL.Value, o.IconURL)
	for _, f := range strs {
		if f.opt.Set {
			*f.dst = f.opt.Value
			changed = append(changed, f.col)
		}
	}
	if dropLogo {
		o.LogoBlobKey, changed = nil, append(changed, ColLogoBlobKey)
	}
	if dropIcon {
		o.IconBlobKey, changed = nil, append(changed, ColIconBlobKey)
	}
	if p.TemplateTermsID.Set {
		o.TemplateTermsID = p.TemplateTermsID.Value
		changed = append(changed, ColTemplateTermsID)
	}
	if p.TemplatePolicyID.Set {
		o.TemplatePolicyID = p.TemplatePolicyID.Value
		changed = append(changed, ColTemplatePolicyID)
	}
	if !p.Settings.empty() {
		o.Settings = p.Settings.Apply(o.Settings)
		changed = append(changed, ColSettings)
	}
	if p.Metadata.Set {
		o.Metadata = Metadata{}
		if p.Metadata.Value != nil {
			o.Metadata = *p.Metadata.Value
		}
		changed = append(changed, ColMetadata)
	}
	return o, changed, o.Validate()
}

// Apply returns s with the patch's keys set.
func (p SettingsPatch) Apply(s Settings) Settings {
	if p.AllowPublicSignup != nil {
		s.AllowPublicSignup = *p.AllowPublicSignup
	}
	if p.RequireEmailVerification != nil {
		s.RequireEmailVerification = *p.RequireEmailVerification
	}
	if p.DefaultRole != nil {
		s.DefaultRole = *p.DefaultRole
	}
	return s
}

// NewOrganization is what a caller may choose when creating an organization. The id,
// status, timestamps and counts are the server's, so they are not fields a caller could set
// and see silently overwritten.
type NewOrganization struct {
	Name, Slug                                  string
	Tagline, Description, Email, Phone, Website *string
	Location, LogoURL, IconURL, LanguageCode    *string
	TemplateTermsID, TemplatePolicyID           *int64
	Settings                                    SettingsPatch // over DefaultSettings
	Metadata                                    Metadata
}

// Build returns the active organization n describes, created at now, or a validation error
// naming every bad field.
func (n NewOrganization) Build(now time.Time) (Organization, error) {
	o := Organization{
		Name: n.Name, Slug: n.Slug, Tagline: n.Tagline, Description: n.Description, Email: n.Email,
		Phone: n.Phone, Website: n.Website, Location: n.Location, LogoURL: n.LogoURL, IconURL: n.IconURL,
		LanguageCode: n.LanguageCode, TemplateTermsID: n.TemplateTermsID, TemplatePolicyID: n.TemplatePolicyID,
		Status: StatusActive, Settings: n.Settings.Apply(DefaultSettings()), Metadata: n.Metadata,
		CreatedAt: now, UpdatedAt: now,
	}
	if o.Metadata == nil {
		o.Metadata = Metadata{}
	}
	return o, o.Validate()
}
