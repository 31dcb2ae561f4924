package httpapi

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// appendOrganization appends o exactly as encoding/json writes organizationJSON (the
// equivalence is tested), without reflection: a list of a hundred organizations spent a
// fifth of its CPU encoding them. Metadata, free-form JSON, still goes through
// encoding/json, and only when there is some.
func appendOrganization(b []byte, o domain.Organization) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, o.ID, 10)
	b = appendStringField(b, `,"name":`, o.Name)
	b = appendStringField(b, `,"slug":`, o.Slug)
	for _, f := range []struct {
		key string
		v   *string
	}{
		{`,"tagline":`, o.Tagline}, {`,"description":`, o.Description}, {`,"email":`, o.Email},
		{`,"phone":`, o.Phone}, {`,"website":`, o.Website}, {`,"location":`, o.Location},
		{`,"logo_url":`, o.LogoURL}, {`,"icon_url":`, o.IconURL}, {`,"language_code":`, o.LanguageCode},
	} {
		b = appendJSONNullable(append(b, f.key...), f.v)
	}
	b = appendNullableInt(append(b, `,"template_terms_id":`...), o.TemplateTermsID)
	b = appendNullableInt(append(b, `,"template_policy_id":`...), o.TemplatePolicyID)
	b = appendStringField(b, `,"status":`, string(o.Status))
	b = append(b, `,"settings":{"allow_public_signup":`...)
	b = strconv.AppendBool(b, o.Settings.AllowPublicSignup)
	b = append(b, `,"require_email_verification":`...)
	b = strconv.AppendBool(b, o.Settings.RequireEmailVerification)
	b = appendStringField(b, `,"default_role":`, string(o.Settings.DefaultRole))
	b = append(b, `},"metadata":`...)
	if len(o.Metadata) == 0 {
		b = append(b, "{}"...)
	} else {
		meta, err := json.Marshal(o.Metadata)
		if err != nil {
			return b, err
		}
		b = append(b, meta...)
	}
	b = append(b, `,"members_count":`...)
	b = strconv.AppendInt(b, o.MembersCount, 10)
	b = appendTimestamp(append(b, `,"created_at":`...), o.CreatedAt)
	b = appendTimestamp(append(b, `,"updated_at":`...), o.UpdatedAt)
	return append(b, '}'), nil
}

func appendStringField(b []byte, key, s string) []byte { return appendJSONString(append(b, key...), s) }

func appendNullableInt(b []byte, n *int64) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, *n, 10)
}

// appendTimestamp writes what timestamp.MarshalJSON writes.
func appendTimestamp(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

// organizationsBody is {"data":[…],"meta":meta}, as gin.H would write it.
func organizationsBody(orgs []domain.Organization, meta any) ([]byte, error) {
	b := make([]byte, 0, 64+512*len(orgs))
	b = append(b, `{"data":[`...)
	for i, o := range orgs {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendOrganization(b, o); err != nil {
			return nil, err
		}
	}
	m, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	b = append(append(b, `],"meta":`...), m...)
	return append(b, '}'), nil
}

// organizationBody is {"data":o}.
func organizationBody(o domain.Organization) ([]byte, error) {
	b, err := appendOrganization(append(make([]byte, 0, 640), `{"data":`...), o)
	return append(b, '}'), err
}
