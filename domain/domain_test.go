package domain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/astconst"
)

func TestValidateSlug(t *testing.T) {
	for slug, ok := range map[string]bool{
		"acme": true, "a1b": true, "acme-corp-2": true, strings.Repeat("a", 50): true,
		"ab": false, strings.Repeat("a", 51): false, "Acme": false, "-acme": false, "acme-": false,
		"ac--me": false, "ac me": false, "ac_me": false, "www": false, "api": false, "émile": false,
	} {
		var v domain.Validation
		domain.ValidateSlug(&v, slug)
		if (v.Err() == nil) != ok {
			t.Errorf("%q: valid=%t, want %t", slug, v.Err() == nil, ok)
		}
	}
}

func TestOrganizationValidate_ReportsEveryField(t *testing.T) {
	bad, url, zero := "x", "mailto:a@b.co", int64(0)
	o := domain.Organization{Name: "A", Slug: "A", Email: &bad, Website: &url, TemplateTermsID: &zero,
		Status: "gone", Settings: domain.Settings{DefaultRole: domain.RoleOwner}}
	var de *domain.Error
	if err := o.Validate(); !errors.As(err, &de) || de.Code != domain.CodeValidation {
		t.Fatalf("got %v", err)
	}
	var fields []string
	for _, d := range de.Details {
		fields = append(fields, d.Field)
	}
	if got := fmt.Sprint(fields); got != "[name slug email website template_terms_id status settings.default_role]" {
		t.Fatalf("fields %s", got)
	}
}

func TestPatchApply(t *testing.T) {
	tag := "old"
	o := domain.Organization{Name: "Acme", Slug: "acme", Tagline: &tag, Status: domain.StatusActive,
		Settings: domain.DefaultSettings(), Metadata: domain.Metadata{"a": 1.0}}
	allow := true
	next, cols, err := domain.OrganizationPatch{
		Tagline:  domain.Optional[string]{Set: true},
		Settings: domain.SettingsPatch{AllowPublicSignup: &allow},
		Metadata: domain.Optional[domain.Metadata]{Set: true},
	}.Apply(o)
	if err != nil || next.Tagline != nil || !next.Settings.AllowPublicSignup || len(next.Metadata) != 0 ||
		fmt.Sprint(cols) != "[tagline settings metadata]" {
		t.Fatalf("%+v %v %v", next, cols, err)
	}
	if o.Tagline == nil || o.Settings.AllowPublicSignup {
		t.Fatal("Apply modified its input")
	}
	if _, _, err := (domain.OrganizationPatch{Name: domain.Optional[string]{Set: true}}).Apply(o); domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("null name: %v", err)
	}
	if _, _, err := (domain.OrganizationPatch{Email: domain.Some("nope")}).Apply(o); domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("bad email: %v", err)
	}
}

func TestPolicy(t *testing.T) {
	roles := []domain.Role{domain.RoleOwner, domain.RoleAdmin, domain.RoleMember, domain.RoleViewer, ""}
	want := map[domain.Action]string{
		domain.ActionOrgRead:          "[true true true true false]",
		domain.ActionOrgUpdate:        "[true true false false false]",
		domain.ActionMemberConnect:    "[true true false false false]",
		domain.ActionVaultReveal:      "[true true false false false]",
		domain.ActionVaultManage:      "[true true false false false]",
		domain.ActionAuditRead:        "[true true false false false]",
		domain.ActionDomainRead:       "[true true true true false]",
		domain.ActionDomainManage:     "[true true false false false]",
		domain.ActionOrgDelete:        "[false false false false false]",
		domain.ActionOrgCreate:        "[false false false false false]",
		domain.ActionOrgSetStatus:     "[false false false false false]",
		domain.ActionListAll:          "[false false false false false]",
		domain.ActionAuditReadAll:     "[false false false false false]",
		domain.ActionMemberRead:       "[true true true true false]",
		domain.ActionMemberManage:     "[true true false false false]",
		domain.ActionInviteManage:     "[true true false false false]",
		domain.ActionStatsRead:        "[false false false false false]",
		domain.ActionEventRead:        "[true true false false false]",
		domain.ActionEventReadAll:     "[false false false false false]",
		domain.ActionWebhookManage:    "[true true false false false]",
		domain.ActionWebhookManageAll: "[false false false false false]",
	}
	actions, err := astconst.Strings("policy.go", "Action")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range actions {
		if _, ok := want[domain.Action(name)]; !ok {
			t.Errorf("action %s has no expectation in TestPolicy", name)
		}
	}
	pol := domain.DefaultPolicy()
	for action, w := range want {
		var got []bool
		for _, r := range roles {
			got = append(got, pol.Allows(domain.Principal{}, action, r))
			if !pol.Allows(domain.Principal{Superadmin: true}, action, r) {
				t.Errorf("superadmin may not %s", action)
			}
		}
		if fmt.Sprint(got) != w {
			t.Errorf("%s: %v, want %s", action, got, w)
		}
	}
}

func TestParseSort(t *testing.T) {
	for in, want := range map[string]string{"": "{name false}", "-created_at": "{created_at true}", "updated_at": "{updated_at false}"} {
		s, err := domain.ParseSort(in)
		if err != nil || fmt.Sprint(s) != want {
			t.Errorf("%q: %v %v", in, s, err)
		}
	}
	for _, in := range []string{"slug", "-", "name;drop", "--name"} {
		if _, err := domain.ParseSort(in); domain.CodeOf(err) != domain.CodeValidation {
			t.Errorf("%q accepted", in)
		}
	}
}

func TestErrorIsByCode(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", domain.Errorf(domain.CodeSlugTaken, "custom message"))
	if !errors.Is(err, domain.ErrSlugTaken) || errors.Is(err, domain.ErrForbidden) {
		t.Fatal("errors.Is does not compare codes")
	}
	if domain.CodeOf(errors.New("plain")) != domain.CodeInternal {
		t.Fatal("plain errors must be internal")
	}
}

func TestPageTotalPages(t *testing.T) {
	for _, c := range []struct{ total, size, want int64 }{{0, 25, 0}, {1, 25, 1}, {25, 25, 1}, {26, 25, 2}} {
		p := domain.Page[int]{Total: c.total, PageSize: int(c.size)}
		if p.TotalPages() != c.want {
			t.Errorf("%d/%d: %d", c.total, c.size, p.TotalPages())
		}
	}
}

func TestQueries_NormalizeFillsDefaultsAndChecksBounds(t *testing.T) {
	q, err := domain.OrganizationQuery{}.Normalize()
	if err != nil || q.Page != 1 || q.PageSize != domain.DefaultPageSize || q.Sort.Field != "name" {
		t.Fatalf("%+v %v", q, err)
	}
	a, err := domain.AuditQuery{ActorEmail: " Ann@Example.com"}.Normalize()
	if err != nil || a.Page != 1 || a.PageSize != domain.DefaultPageSize || a.ActorEmail != "ann@example.com" {
		t.Fatalf("%+v %v", a, err)
	}
	for _, bad := range []domain.AuditQuery{{Page: -1}, {PageSize: 101}, {Action: "a\x00"}, {ActorEmail: "nope"}} {
		if _, err := bad.Normalize(); domain.CodeOf(err) != domain.CodeValidation {
			t.Errorf("%+v: got %v", bad, err)
		}
	}
}

func TestNewPolicy_HostActions(t *testing.T) {
	pol, err := domain.NewPolicy(map[domain.Action][]domain.Role{"appointment.cancel": {domain.RoleOwner, domain.RoleAdmin}, "report.export": nil})
	if err != nil {
		t.Fatal(err)
	}
	for role, want := range map[domain.Role]bool{domain.RoleOwner: true, domain.RoleAdmin: true, domain.RoleMember: false, "": false} {
		if got := pol.Allows(domain.Principal{}, "appointment.cancel", role); got != want {
			t.Errorf("%q may cancel: %t, want %t", role, got, want)
		}
	}
	if pol.Allows(domain.Principal{}, "report.export", domain.RoleOwner) || !pol.Allows(domain.Principal{Superadmin: true}, "report.export", "") {
		t.Error("an action with no roles is superadmin-only")
	}
	if !pol.Allows(domain.Principal{}, domain.ActionOrgUpdate, domain.RoleAdmin) {
		t.Error("host actions replaced orgkit's")
	}
	for name, host := range map[string]map[domain.Action][]domain.Role{
		"unknown role":             {"appointment.cancel": {"manager"}},
		"built-in action":          {domain.ActionOrgRead: {domain.RoleViewer}},
		"empty name":               {"": {domain.RoleOwner}},
		"superadmin-only built-in": {domain.ActionOrgDelete: {domain.RoleOwner}},
	} {
		if _, err := domain.NewPolicy(host); domain.CodeOf(err) != domain.CodeValidation {
			t.Errorf("%s: got %v", name, err)
		}
	}
}

func TestDevSubject_OnePerEmail(t *testing.T) {
	if a, b := domain.DevSubject(" Ann@Example.COM "), domain.DevSubject("ann@example.com"); a != b || a != "dev|ann@example.com" {
		t.Fatalf("%q %q", a, b)
	}
	if domain.DevSubject("ann@example.com") == domain.DevSubject("bob@example.com") {
		t.Fatal("two emails, one subject")
	}
}
