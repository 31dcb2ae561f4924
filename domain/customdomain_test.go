package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
)

func TestValidateDomainName(t *testing.T) {
	platform := []string{"orgkit.app"}
	long := strings.Repeat("a", 63)
	for name, ok := range map[string]bool{
		"clinic.example.com": true, "a.co": true, "xn--bcher-kva.example": true, "a-b.c-d.io": true,
		long + ".example.com": true, strings.Repeat(long+".", 3) + "example.com": true,
		"": false, "localhost": false, "example": false, "1.2.3.4": false, "[::1]": false, "::1": false,
		"*.example.com": false, "a*.example.com": false, long + "a.example.com": false,
		strings.Repeat(long+".", 4) + "com": false, "-a.example.com": false, "a-.example.com": false,
		"a..example.com": false, ".example.com": false, "a_b.example.com": false, "a b.example.com": false,
		"bücher.example": false, "example.123": false, "orgkit.app": false, "acme.orgkit.app": false,
		"a.b.orgkit.app": false, "notorgkit.app": true, "Example.com": false,
	} {
		err := domain.ValidateDomainName(name, platform)
		if (err == nil) != ok {
			t.Errorf("%q: err=%v, want ok=%t", name, err, ok)
			continue
		}
		if err != nil && (domain.CodeOf(err) != domain.CodeValidation || !strings.Contains(err.Error(), "domain")) {
			t.Errorf("%q: %v, want a validation_error naming domain", name, err)
		}
	}
}

// FuzzHostWithoutPort found "acme.orgkit.test ." read as "acme.orgkit.test " (the dot removed after
// the white space was trimmed): no platform host, so a custom-domain lookup of a name that is
// a slug's, while "acme.orgkit.test." resolved the slug.
func TestHostWithoutPort_SpaceBeforeTheRootDot(t *testing.T) {
	for _, in := range []string{"acme.orgkit.test .", "acme.orgkit.test\t.:80", " acme.orgkit.test . "} {
		if got := domain.HostWithoutPort(in); got != "" {
			t.Errorf("HostWithoutPort(%q) = %q, want \"\" (no host name)", in, got)
		}
	}
	if got := domain.HostWithoutPort(" Acme.Orgkit.Test. "); got != "acme.orgkit.test" {
		t.Errorf("surrounding white space: %q", got)
	}
}

func TestFoldHostnameAndHosts(t *testing.T) {
	if got := domain.FoldHostname("  Clinic.Example.COM. "); got != "clinic.example.com" {
		t.Errorf("FoldHostname = %q", got)
	}
	for in, want := range map[string]string{
		"Acme.Orgkit.App:8443": "acme.orgkit.app", "[::1]:80": "", "example.com": "example.com", "example.com.": "example.com",
		"example.com..": "", "example.com:abc": "", "example.com:99999": "", "example.com:+80": "", "[clinic.example.com]:80": "",
		"::1": "",
	} {
		if got := domain.HostWithoutPort(in); got != want {
			t.Errorf("HostWithoutPort(%q) = %q, want %q", in, got, want)
		}
	}
	bases := []string{"example.app", "clinic.example.app"}
	for host, want := range map[string]struct {
		slug string
		ok   bool
	}{
		"acme.example.app": {"acme", true}, "acme.clinic.example.app": {"acme", true}, "clinic.example.app": {"", true},
		"example.app": {"", true}, "a.b.example.app": {"", true}, "clinic.acme.com": {"", false}, "xexample.app": {"", false},
	} {
		slug, ok := domain.SlugOfHost(host, bases)
		if slug != want.slug || ok != want.ok {
			t.Errorf("SlugOfHost(%q) = %q, %t; want %q, %t", host, slug, ok, want.slug, want.ok)
		}
	}
}

func TestNewCustomDomain(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := domain.DefaultDomainSchedule()
	d, err := domain.NewCustomDomain(7, "clinic.example.com", "clinic", domain.DefaultDomainTypes, nil, "tok", now, s)
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != domain.DomainPending || d.VerifiedAt != nil || !d.NextCheckAt.Equal(now.Add(s.PendingEvery)) ||
		!d.RetryUntil.Equal(now.Add(s.PendingExpiry)) || d.OrganizationID != 7 || d.VerificationToken != "tok" {
		t.Fatalf("%+v", d)
	}
	_, err = domain.NewCustomDomain(7, "localhost", "shop", domain.DefaultDomainTypes, nil, "tok", now, s)
	e := asDomainError(t, err)
	if len(e.Details) != 2 || e.Details[0].Field != "domain" || e.Details[1].Field != "domain_type" {
		t.Fatalf("want both fields named: %+v", e.Details)
	}
}

func TestMatchTXT(t *testing.T) {
	for _, c := range []struct {
		records []string
		want    domain.FailureReason
	}{
		{nil, domain.FailureRecordNotFound},
		{[]string{"other"}, domain.FailureValueMismatch},
		{[]string{"other", " tok "}, ""},
		{[]string{"TOK"}, domain.FailureValueMismatch},
	} {
		if got := domain.MatchTXT(c.records, "tok"); got != c.want {
			t.Errorf("MatchTXT(%q) = %q, want %q", c.records, got, c.want)
		}
	}
}

func TestCustomDomainChecked(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := domain.DefaultDomainSchedule()
	pending, err := domain.NewCustomDomain(1, "clinic.example.com", "clinic", domain.DefaultDomainTypes, nil, "tok", t0, s)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("match verifies", func(t *testing.T) {
		d, action := pending.Checked("", t0.Add(time.Minute), true, s)
		if action != domain.AuditDomainVerified || d.Status != domain.DomainVerified || d.VerifiedAt == nil ||
			d.FailureReason != nil || !d.NextCheckAt.Equal(t0.Add(time.Minute+s.VerifiedEvery)) || d.RetryUntil != nil {
			t.Fatalf("%s %+v", action, d)
		}
		again, action := d.Checked("", t0.Add(time.Hour), false, s)
		if action != "" || !again.VerifiedAt.Equal(*d.VerifiedAt) || !again.LastCheckAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("a second match changed the status or verified_at: %s %+v", action, again)
		}
	})
	t.Run("manual failure fails at once and retries", func(t *testing.T) {
		now := t0.Add(time.Minute)
		d, action := pending.Checked(domain.FailureRecordNotFound, now, true, s)
		if action != domain.AuditDomainVerificationFailed || d.Status != domain.DomainFailed || d.VerifiedAt != nil ||
			*d.FailureReason != domain.FailureRecordNotFound || !d.RetryUntil.Equal(now.Add(s.PendingExpiry)) || d.NextCheckAt == nil {
			t.Fatalf("%s %+v", action, d)
		}
		if _, action := d.Checked(domain.FailureValueMismatch, now.Add(time.Minute), true, s); action != "" {
			t.Fatalf("failed to failed is not a status change: %s", action)
		}
		if v, action := d.Checked("", now.Add(time.Hour), false, s); action != domain.AuditDomainVerified || v.Status != domain.DomainVerified {
			t.Fatalf("a background match of a failed domain verifies it: %s %+v", action, v)
		}
	})
	t.Run("background failure keeps pending until expiry", func(t *testing.T) {
		d, action := pending.Checked(domain.FailureValueMismatch, t0.Add(time.Hour), false, s)
		if action != "" || d.Status != domain.DomainPending || *d.FailureReason != domain.FailureValueMismatch || d.NextCheckAt == nil {
			t.Fatalf("%s %+v", action, d)
		}
		d, action = d.Checked(domain.FailureRecordNotFound, t0.Add(s.PendingExpiry), false, s)
		if action != domain.AuditDomainExpired || d.Status != domain.DomainFailed || d.NextCheckAt != nil {
			t.Fatalf("at expiry: %s %+v", action, d)
		}
	})
	t.Run("verified lapses only after the grace period", func(t *testing.T) {
		v, _ := pending.Checked("", t0, true, s)
		d, action := v.Checked(domain.FailureRecordNotFound, t0.Add(time.Hour), false, s)
		if action != "" || d.Status != domain.DomainVerified || d.FailingSince == nil || !d.NextCheckAt.Equal(t0.Add(time.Hour+s.FailingEvery)) {
			t.Fatalf("one failed check: %s %+v", action, d)
		}
		if r, action := d.Checked(domain.FailureResolverError, t0.Add(2*time.Hour+s.Grace), false, s); action != "" || r.Status != domain.DomainVerified {
			t.Fatalf("a resolver error proves nothing, even past the grace period: %s %+v", action, r)
		}
		if r, action := d.Checked(domain.FailureValueMismatch, t0.Add(time.Hour+s.Grace-time.Second), false, s); action != "" || r.Status != domain.DomainVerified {
			t.Fatalf("before the grace period ends: %s %+v", action, r)
		}
		lapsed, action := d.Checked(domain.FailureValueMismatch, t0.Add(time.Hour+s.Grace), false, s)
		if action != domain.AuditDomainLapsed || lapsed.Status != domain.DomainFailed || lapsed.VerifiedAt != nil || lapsed.NextCheckAt != nil {
			t.Fatalf("at the end of the grace period: %s %+v", action, lapsed)
		}
		back, _ := d.Checked("", t0.Add(2*time.Hour), false, s)
		if back.FailingSince != nil || back.FailureReason != nil || back.Status != domain.DomainVerified {
			t.Fatalf("a match resets the grace period: %+v", back)
		}
	})
	t.Run("consecutive resolver errors back off", func(t *testing.T) {
		v, _ := pending.Checked("", t0, true, s)
		for _, c := range []struct {
			name  string
			start domain.CustomDomain
			every time.Duration
		}{{"pending", pending, s.PendingEvery}, {"verified", v, s.FailingEvery}} {
			d, now := c.start, t0.Add(time.Hour)
			var gaps []time.Duration
			for range 9 {
				d, _ = d.Checked(domain.FailureResolverError, now, false, s)
				gaps = append(gaps, d.NextCheckAt.Sub(now))
				now = *d.NextCheckAt
			}
			if d.Status != c.start.Status {
				t.Errorf("%s: resolver errors changed the status to %s", c.name, d.Status)
			}
			for i, g := range gaps {
				want := min(c.every<<i, s.VerifiedEvery)
				if g != want {
					t.Errorf("%s: gap %d is %v, want %v (all: %v)", c.name, i, g, want, gaps)
				}
			}
			if back, _ := d.Checked(domain.FailureRecordNotFound, now, false, s); back.NextCheckAt.Sub(now) != c.every {
				t.Errorf("%s: a proven failure after resolver errors is checked again after %v, want %v", c.name, back.NextCheckAt.Sub(now), c.every)
			}
		}
	})
	t.Run("resolver error on a verified domain starts no grace period", func(t *testing.T) {
		v, _ := pending.Checked("", t0, true, s)
		d, _ := v.Checked(domain.FailureResolverError, t0.Add(time.Hour), false, s)
		if d.FailingSince != nil || d.Status != domain.DomainVerified || *d.FailureReason != domain.FailureResolverError {
			t.Fatalf("%+v", d)
		}
	})
}

func asDomainError(t *testing.T, err error) *domain.Error {
	t.Helper()
	e, ok := err.(*domain.Error)
	if !ok || e.Code != domain.CodeValidation {
		t.Fatalf("want a validation error, got %v", err)
	}
	return e
}
