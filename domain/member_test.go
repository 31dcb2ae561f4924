package domain_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
)

func TestCheckRoleChange(t *testing.T) {
	const (
		o, a, m, v = domain.RoleOwner, domain.RoleAdmin, domain.RoleMember, domain.RoleViewer
	)
	user, super := domain.Principal{}, domain.Principal{Superadmin: true}
	cases := []struct {
		p               domain.Principal
		actor, from, to domain.Role
		ok              bool
	}{
		{user, o, "", o, true},   // owners grant owner
		{user, a, "", o, false},  // admins do not
		{user, a, "", a, true},   // nor above their own, but their own is fine
		{user, a, m, a, true},    // promote to their own
		{user, a, o, a, false},   // change an owner
		{user, a, o, "", false},  // remove an owner
		{user, a, a, m, true},    // demote a fellow admin
		{user, o, o, a, true},    // owners demote owners
		{user, m, "", v, true},   // below their own: the policy, not this rule, keeps members from managing
		{user, v, "", m, false},  // above their own
		{super, "", "", o, true}, // superadmins do anything
		{super, "", o, "", true},
	}
	for _, c := range cases {
		err := domain.CheckRoleChange(c.p, c.actor, c.from, c.to)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, domain.ErrForbidden)) {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestCheckGrant(t *testing.T) {
	user, super := domain.Principal{}, domain.Principal{Superadmin: true}
	if err := domain.CheckGrant(super, "", domain.RoleOwner); domain.CodeOf(err) != domain.CodeValidation {
		t.Errorf("owner by invitation: %v", err)
	}
	if err := domain.CheckGrant(user, domain.RoleMember, domain.RoleAdmin); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("above the creator: %v", err)
	}
	if err := domain.CheckGrant(user, domain.RoleAdmin, domain.RoleAdmin); err != nil {
		t.Errorf("own role: %v", err)
	}
	if err := domain.CheckGrant(user, domain.RoleAdmin, "boss"); domain.CodeOf(err) != domain.CodeValidation {
		t.Errorf("unknown role: %v", err)
	}
}

func TestCheckDefaultRole(t *testing.T) {
	member, admin := domain.DefaultSettings(), domain.DefaultSettings()
	admin.DefaultRole = domain.RoleAdmin
	if err := domain.CheckDefaultRole(domain.Principal{}, domain.RoleAdmin, member, admin); !errors.Is(err, domain.ErrForbidden) {
		t.Errorf("admin raising the default role: %v", err)
	}
	if err := domain.CheckDefaultRole(domain.Principal{}, domain.RoleOwner, member, admin); err != nil {
		t.Errorf("owner: %v", err)
	}
	if err := domain.CheckDefaultRole(domain.Principal{}, domain.RoleAdmin, admin, admin); err != nil {
		t.Errorf("unchanged: %v", err)
	}
	if err := domain.CheckDefaultRole(domain.Principal{}, domain.RoleAdmin, admin, member); err != nil {
		t.Errorf("lowering: %v", err)
	}
}

func TestInvite_Usable(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	past, two := now.Add(-time.Second), 2
	cases := []struct {
		inv  domain.Invite
		want error
	}{
		{domain.Invite{}, nil},
		{domain.Invite{Disabled: true, ExpiresAt: &past}, domain.ErrInviteDisabled},
		{domain.Invite{ExpiresAt: &now}, domain.ErrInviteExpired},
		{domain.Invite{MaxUses: &two, Uses: 2}, domain.ErrInviteExhausted},
		{domain.Invite{MaxUses: &two, Uses: 1}, nil},
	}
	for _, c := range cases {
		if err := c.inv.Usable(now); !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("%+v: %v, want %v", c.inv, err, c.want)
		}
	}
}

func TestNewInvite_Validate(t *testing.T) {
	now := time.Now()
	past, far, zero, note := now.Add(-time.Minute), now.Add(400*24*time.Hour), 0, string([]byte{'a', 0})
	err := domain.NewInvite{Role: domain.RoleOwner, ExpiresAt: &past, MaxUses: &zero, Note: &note}.Validate(now)
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Details) != 4 {
		t.Fatalf("want role, expires_at, max_uses and note: %v", err)
	}
	if err := (domain.NewInvite{Role: domain.RoleMember, ExpiresAt: &far}).Validate(now); domain.CodeOf(err) != domain.CodeValidation {
		t.Errorf("expiry beyond a year: %v", err)
	}
	if err := (domain.NewInvite{Role: domain.RoleViewer}).Validate(now); err != nil {
		t.Errorf("minimal: %v", err)
	}
}

func TestSecrets(t *testing.T) {
	code := "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_"
	if !domain.WellFormedSecret(code) || domain.WellFormedSecret(code[1:]) || domain.WellFormedSecret(code[1:]+"=") {
		t.Error("WellFormedSecret")
	}
	if !domain.SecretMatches(code, domain.HashSecret(code)) || domain.SecretMatches(code, domain.HashSecret(code[1:]+"a")) {
		t.Error("SecretMatches")
	}
}

func TestInvitation_States(t *testing.T) {
	now := time.Now()
	pending := domain.Invitation{Status: domain.InvitationPending, ExpiresAt: now.Add(time.Hour)}
	expired := domain.Invitation{Status: domain.InvitationPending, ExpiresAt: now}
	if pending.StatusAt(now) != domain.InvitationPending || expired.StatusAt(now) != domain.InvitationExpired {
		t.Error("StatusAt")
	}
	if pending.Open(now) != nil || !errors.Is(expired.Open(now), domain.ErrInvitationExpired) || expired.Resendable(now) != nil {
		t.Error("an expired invitation is closed but may be resent")
	}
	for st, want := range map[domain.InvitationStatus]error{domain.InvitationAccepted: domain.ErrInvitationAccepted, domain.InvitationRevoked: domain.ErrInvitationRevoked} {
		i := domain.Invitation{Status: st, ExpiresAt: now.Add(time.Hour)}
		if !errors.Is(i.Open(now), want) || !errors.Is(i.Resendable(now), want) {
			t.Errorf("%s: %v %v", st, i.Open(now), i.Resendable(now))
		}
	}
}

func TestJoinableDomain(t *testing.T) {
	email := func(s string) *string { return &s }
	cases := []struct {
		u    domain.User
		want string
	}{
		{domain.User{Email: email("ann@acme.example"), EmailVerified: true}, "acme.example"},
		{domain.User{Email: email("ann@acme.example")}, ""},                   // unverified
		{domain.User{Email: email("ann@gmail.com"), EmailVerified: true}, ""}, // free mail
		{domain.User{EmailVerified: true}, ""},
	}
	for _, c := range cases {
		if got := domain.JoinableDomain(c.u); got != c.want {
			t.Errorf("%v: %q, want %q", *c.u.Email, got, c.want)
		}
	}
}

func TestOutboxBackoff(t *testing.T) {
	if domain.OutboxBackoff(1) != 30*time.Second || domain.OutboxBackoff(2) != time.Minute || domain.OutboxBackoff(20) != time.Hour {
		t.Errorf("%v %v %v", domain.OutboxBackoff(1), domain.OutboxBackoff(2), domain.OutboxBackoff(20))
	}
}

func TestMemberQuery_NormalizeQ(t *testing.T) {
	q, err := domain.MemberQuery{Q: "  Ann@Example "}.Normalize()
	if err != nil || q.Q != "Ann@Example" || q.Page != 1 || q.PageSize != domain.DefaultPageSize {
		t.Fatalf("%+v %v", q, err)
	}
	long := strings.Repeat("é", domain.SearchMax)
	if q, err := (domain.MemberQuery{Q: " " + long + " "}).Normalize(); err != nil || q.Q != long {
		t.Fatalf("%d characters: %v", domain.SearchMax, err)
	}
	for _, bad := range []string{long + "x", "a\x00b", "a\nb", "\xff"} {
		_, err := domain.MemberQuery{Q: bad}.Normalize()
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeValidation || len(de.Details) != 1 || de.Details[0].Field != "q" {
			t.Errorf("q %q: got %v", bad, err)
		}
	}
}
