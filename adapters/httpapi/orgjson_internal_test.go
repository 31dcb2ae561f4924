package httpapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// The hand-written encoder writes exactly what encoding/json writes for organizationJSON,
// the documented shape, whatever the fields hold.
func TestAppendOrganization_SameBytesAsEncodingJSON(t *testing.T) {
	str := func(s string) *string { return &s }
	n := func(v int64) *int64 { return &v }
	at := time.Date(2026, 11, 26, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	tricky := "<b>&\"\\\n\t\x01 é \u2028\u2029 \xff end"
	full := domain.Organization{ID: 42, Name: tricky, Slug: "acme", Tagline: str(tricky), Description: str(""),
		Email: str("a@example.com"), Phone: str("+1 555"), Website: str("https://example.com/?a=1&b=<2>"),
		Location: str("Zürich"), LogoURL: str("https://cdn/l.png"), IconURL: str("i"), LanguageCode: str("de"),
		TemplateTermsID: n(-7), TemplatePolicyID: n(1 << 62), Status: domain.StatusSuspended,
		Settings:     domain.Settings{AllowPublicSignup: true, DefaultRole: domain.RoleViewer},
		Metadata:     domain.Metadata{"b": json.Number("12345678901234567890"), "a": map[string]any{"x": []any{true, nil, "<"}}},
		MembersCount: 9, CreatedAt: at, UpdatedAt: at.Add(time.Hour)}
	for _, o := range []domain.Organization{{}, {ID: 1, Name: "A", Slug: "a", Status: domain.StatusActive, Metadata: domain.Metadata{}}, full} {
		want, err := json.Marshal(gin.H{"data": toOrganizationJSON(o)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := organizationBody(o)
		if err != nil || string(got) != string(want) {
			t.Errorf("organization %d:\n got %s %v\nwant %s", o.ID, got, err, want)
		}
		meta := toCursorPageMeta(domain.Page[domain.Organization]{Page: 1, PageSize: 2, Total: 3, Next: &domain.Cursor{Sort: domain.Sort{Field: "name"}, Value: "x", ID: 1}})
		want, err = json.Marshal(gin.H{"data": []organizationJSON{toOrganizationJSON(o), toOrganizationJSON(full)}, "meta": meta})
		if err != nil {
			t.Fatal(err)
		}
		got, err = organizationsBody([]domain.Organization{o, full}, meta)
		if err != nil || string(got) != string(want) {
			t.Errorf("list with organization %d:\n got %s %v\nwant %s", o.ID, got, err, want)
		}
	}
	if got, err := organizationsBody(nil, pageMeta{}); err != nil || string(got) != `{"data":[],"meta":{"page":0,"page_size":0,"total":0,"total_pages":0}}` {
		t.Errorf("empty list: %s %v", got, err)
	}
}
