package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

func mustMember(t *testing.T, s *gormstore.Store, orgID, userID int64, role domain.Role, at time.Time) {
	t.Helper()
	m := domain.Membership{OrganizationID: orgID, UserID: userID, Role: role, CreatedAt: at}
	if _, err := s.Memberships().Create(context.Background(), m); err != nil {
		t.Fatalf("membership of %d in %d: %v", userID, orgID, err)
	}
}

func memberIDs(p domain.Page[domain.Member]) string {
	ids := []int64{}
	for _, m := range p.Items {
		ids = append(ids, m.UserID)
	}
	return fmt.Sprintf("%v total %d", ids, p.Total)
}

func TestMembershipRepo_ListGetSetRoleDelete(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		var u [5]domain.User
		for i := range u {
			u[i] = mustUser(t, s, fmt.Sprintf("sub-%d", i), fmt.Sprintf("u%d@example.com", i))
		}
		name := "Ann Admin"
		u[1].Name = &name
		if err := s.Users().UpdateProfile(ctx, u[1]); err != nil {
			t.Fatal(err)
		}
		mustMember(t, s, a.ID, u[0].ID, domain.RoleOwner, t0)
		mustMember(t, s, a.ID, u[1].ID, domain.RoleAdmin, t0.Add(time.Minute))
		// u3 joins before u2 is inserted, at the same time: the user id breaks the tie.
		mustMember(t, s, a.ID, u[3].ID, domain.RoleMember, t0.Add(2*time.Minute))
		mustMember(t, s, a.ID, u[2].ID, domain.RoleMember, t0.Add(2*time.Minute))
		mustMember(t, s, a.ID, u[4].ID, domain.RoleViewer, t0.Add(3*time.Minute))
		mustMember(t, s, b.ID, u[0].ID, domain.RoleMember, t0)

		list := func(orgID int64, q domain.MemberQuery) domain.Page[domain.Member] {
			t.Helper()
			p, err := s.Memberships().List(ctx, orgID, q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Items == nil || p.Page != q.Page || p.PageSize != q.PageSize {
				t.Fatalf("page shape: %+v", p)
			}
			return p
		}
		member := domain.RoleMember
		ids := func(is ...int) string {
			out := []int64{}
			for _, i := range is {
				out = append(out, u[i].ID)
			}
			return fmt.Sprint(out)
		}
		cases := []struct {
			name string
			org  int64
			q    domain.MemberQuery
			want string
		}{
			{"first page", a.ID, domain.MemberQuery{Page: 1, PageSize: 2}, ids(0, 1) + " total 5"},
			{"second page", a.ID, domain.MemberQuery{Page: 2, PageSize: 2}, ids(2, 3) + " total 5"},
			{"last page", a.ID, domain.MemberQuery{Page: 3, PageSize: 2}, ids(4) + " total 5"},
			{"past the end", a.ID, domain.MemberQuery{Page: 4, PageSize: 2}, "[] total 5"},
			{"role filter", a.ID, domain.MemberQuery{Page: 1, PageSize: 10, Role: &member}, ids(2, 3) + " total 2"},
			{"other organization", b.ID, domain.MemberQuery{Page: 1, PageSize: 10}, ids(0) + " total 1"},
			{"no members", b.ID + a.ID + 100, domain.MemberQuery{Page: 1, PageSize: 10}, "[] total 0"},
		}
		for _, c := range cases {
			if got := memberIDs(list(c.org, c.q)); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
		first := list(a.ID, domain.MemberQuery{Page: 1, PageSize: 2})
		admin := first.Items[1]
		if admin.Email == nil || *admin.Email != "u1@example.com" || admin.Name == nil || *admin.Name != name ||
			admin.Role != domain.RoleAdmin || !admin.JoinedAt.Equal(t0.Add(time.Minute)) || first.Items[0].Name != nil {
			t.Fatalf("joined fields: %+v %+v", first.Items[0], admin)
		}

		got, err := s.Memberships().Get(ctx, a.ID, u[1].ID)
		if err != nil || got.UserID != u[1].ID || got.Role != domain.RoleAdmin || *got.Email != "u1@example.com" || !got.JoinedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.Memberships().Get(ctx, b.ID, u[1].ID); !errors.Is(err, domain.ErrMemberNotFound) {
			t.Fatalf("get a non-member: %v", err)
		}

		if err := s.Memberships().SetRole(ctx, a.ID, u[2].ID, domain.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if role, err := s.Memberships().Role(ctx, a.ID, u[2].ID); err != nil || role != domain.RoleAdmin {
			t.Fatalf("after set role: %q %v", role, err)
		}
		if role, err := s.Memberships().Role(ctx, b.ID, u[0].ID); err != nil || role != domain.RoleMember {
			t.Fatalf("set role changed another organization: %q %v", role, err)
		}
		if err := s.Memberships().SetRole(ctx, b.ID, u[2].ID, domain.RoleAdmin); !errors.Is(err, domain.ErrMemberNotFound) {
			t.Fatalf("set role of a non-member: %v", err)
		}

		if n, err := s.Memberships().CountOwners(ctx, a.ID); err != nil || n != 1 {
			t.Fatalf("owners: %d %v", n, err)
		}
		if err := s.Memberships().SetRole(ctx, a.ID, u[1].ID, domain.RoleOwner); err != nil {
			t.Fatal(err)
		}
		if n, err := s.Memberships().CountOwners(ctx, a.ID); err != nil || n != 2 {
			t.Fatalf("owners after a grant: %d %v", n, err)
		}
		if n, err := s.Memberships().CountOwners(ctx, b.ID); err != nil || n != 0 {
			t.Fatalf("owners of an organization without one: %d %v", n, err)
		}

		if err := s.Memberships().Delete(ctx, a.ID, u[4].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Memberships().Get(ctx, a.ID, u[4].ID); !errors.Is(err, domain.ErrMemberNotFound) {
			t.Fatalf("get after delete: %v", err)
		}
		if err := s.Memberships().Delete(ctx, a.ID, u[4].ID); !errors.Is(err, domain.ErrMemberNotFound) {
			t.Fatalf("second delete: %v", err)
		}
		if got := memberIDs(list(a.ID, domain.MemberQuery{Page: 1, PageSize: 10})); got != ids(0, 1, 2, 3)+" total 4" {
			t.Fatalf("after delete: %s", got)
		}
		if got := memberIDs(list(b.ID, domain.MemberQuery{Page: 1, PageSize: 10})); got != ids(0)+" total 1" {
			t.Fatalf("delete touched another organization: %s", got)
		}
	})
}

func TestUserRepo_ClearCurrentOrganization(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		if err := s.Users().SetCurrentOrganization(ctx, u.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Users().ClearCurrentOrganization(ctx, u.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Users().Get(ctx, u.ID); err != nil || got.CurrentOrganizationID == nil || *got.CurrentOrganizationID != a.ID {
			t.Fatalf("clearing another organization changed the current one: %+v %v", got.CurrentOrganizationID, err)
		}
		if err := s.Users().ClearCurrentOrganization(ctx, u.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Users().Get(ctx, u.ID); err != nil || got.CurrentOrganizationID != nil {
			t.Fatalf("not cleared: %+v %v", got.CurrentOrganizationID, err)
		}
	})
}

func TestOrganizationRepo_Joinable(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		joiner := mustUser(t, s, "sub-1", "j@example.com")
		member := mustUser(t, s, "sub-2", "m@example.com")
		org := func(slug string, status domain.Status, public bool, domainName string, verify bool) domain.Organization {
			t.Helper()
			o := newOrg(slug)
			o.Status, o.Settings.AllowPublicSignup = status, public
			o = mustCreate(t, s.Organizations(), o)
			d := mustAddDomain(t, s.Domains(), newDomain(t, o.ID, domainName))
			if verify {
				if _, err := s.Domains().Update(ctx, verified(d, t0)); err != nil {
					t.Fatal(err)
				}
			}
			return o
		}
		open := org("open", domain.StatusActive, true, "open.example.com", true)
		org("pending-same-name", domain.StatusActive, true, "open.example.com", false)
		org("closed", domain.StatusActive, false, "closed.example.com", true)
		org("suspended", domain.StatusSuspended, true, "suspended.example.com", true)
		org("archived", domain.StatusArchived, true, "archived.example.com", true)
		org("unverified", domain.StatusActive, true, "unverified.example.com", false)
		mustMember(t, s, open.ID, member.ID, domain.RoleMember, t0)

		joinable := func(name string, userID int64) []domain.Organization {
			t.Helper()
			out, err := s.Organizations().Joinable(ctx, name, userID)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		got := joinable("open.example.com", joiner.ID)
		if len(got) != 1 || got[0].ID != open.ID || got[0].MembersCount != 1 || !got[0].Settings.AllowPublicSignup {
			t.Fatalf("open organization: %+v", got)
		}
		if got := joinable("open.example.com", member.ID); len(got) != 0 {
			t.Fatalf("a member is offered the organization again: %+v", got)
		}
		for _, name := range []string{"closed.example.com", "suspended.example.com", "archived.example.com", "unverified.example.com", "nowhere.example.com"} {
			if got := joinable(name, joiner.ID); got == nil || len(got) != 0 {
				t.Errorf("%s: %+v, want none", name, got)
			}
		}
	})
}

func newInvite(orgID, by int64, code string) domain.Invite {
	limit := 5
	exp := t0.Add(24 * time.Hour)
	note := "for the team"
	return domain.Invite{OrganizationID: orgID, CodeHash: domain.HashSecret(code), CodePrefix: code[:4], Role: domain.RoleMember,
		ExpiresAt: &exp, MaxUses: &limit, Note: &note, CreatedBy: by, CreatedAt: t0, UpdatedAt: t0}
}

func mustInvite(t *testing.T, s *gormstore.Store, i domain.Invite) domain.Invite {
	t.Helper()
	out, err := s.Invites().Create(context.Background(), i)
	if err != nil {
		t.Fatalf("create invite: %v", err)
	}
	return out
}

func TestInviteRepo_CRUD(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		first := mustInvite(t, s, newInvite(a.ID, u.ID, "code-one"))
		if first.ID == 0 {
			t.Fatal("no id assigned")
		}
		got, err := s.Invites().Get(ctx, a.ID, first.ID)
		if err != nil || string(got.CodeHash) != string(domain.HashSecret("code-one")) || got.CodePrefix != "code" ||
			got.Role != domain.RoleMember || !got.ExpiresAt.Equal(t0.Add(24*time.Hour)) || *got.MaxUses != 5 || got.Uses != 0 ||
			got.Disabled || *got.Note != "for the team" || got.CreatedBy != u.ID || !got.CreatedAt.Equal(t0) {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if _, err := s.Invites().Get(ctx, b.ID, first.ID); !errors.Is(err, domain.ErrInviteNotFound) {
			t.Fatalf("an invite of another organization: %v", err)
		}
		if got, err := s.Invites().ByCodeHash(ctx, domain.HashSecret("code-one")); err != nil || got.ID != first.ID {
			t.Fatalf("by code: %+v %v", got, err)
		}
		if _, err := s.Invites().ByCodeHash(ctx, domain.HashSecret("code-two")); !errors.Is(err, domain.ErrInviteNotFound) {
			t.Fatalf("unknown code: %v", err)
		}

		unlimited := newInvite(a.ID, u.ID, "code-two")
		unlimited.ExpiresAt, unlimited.MaxUses, unlimited.Note = nil, nil, nil
		second := mustInvite(t, s, unlimited)
		if got, err := s.Invites().Get(ctx, a.ID, second.ID); err != nil || got.ExpiresAt != nil || got.MaxUses != nil || got.Note != nil {
			t.Fatalf("nulls: %+v %v", got, err)
		}
		if _, err := s.Invites().Create(ctx, newInvite(b.ID, u.ID, "code-one")); err == nil || domain.CodeOf(err) != domain.CodeInternal {
			t.Fatalf("a second invite with a taken code: %v, want an internal error", err)
		}
		if _, err := s.Invites().Create(ctx, newInvite(a.ID+b.ID+100, u.ID, "code-three")); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("unknown organization: %v", err)
		}
		list, err := s.Invites().List(ctx, a.ID)
		if err != nil || len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Fatalf("list, newest first: %+v %v", list, err)
		}
		if list, err := s.Invites().List(ctx, b.ID); err != nil || list == nil || len(list) != 0 {
			t.Fatalf("list of an organization without invites: %+v %v", list, err)
		}

		upd := first
		upd.Disabled, upd.Note, upd.UpdatedAt = true, nil, t0.Add(time.Hour)
		upd.Role = domain.RoleAdmin // not written
		out, err := s.Invites().Update(ctx, upd)
		if err != nil || !out.Disabled || out.Note != nil || !out.UpdatedAt.Equal(t0.Add(time.Hour)) || out.Role != domain.RoleMember {
			t.Fatalf("update: %+v %v", out, err)
		}
		upd.OrganizationID = b.ID
		if _, err := s.Invites().Update(ctx, upd); !errors.Is(err, domain.ErrInviteNotFound) {
			t.Fatalf("update through another organization: %v", err)
		}
		upd.OrganizationID, upd.ID = a.ID, second.ID+100
		if _, err := s.Invites().Update(ctx, upd); !errors.Is(err, domain.ErrInviteNotFound) {
			t.Fatalf("update a missing invite: %v", err)
		}
	})
}

func TestInviteRepo_Use(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		use := func(id int64, at time.Time) bool {
			t.Helper()
			ok, err := s.Invites().Use(ctx, id, at)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		uses := func(id int64) int {
			t.Helper()
			i, err := s.Invites().Get(ctx, a.ID, id)
			if err != nil {
				t.Fatal(err)
			}
			return i.Uses
		}

		expiring := newInvite(a.ID, u.ID, "expiring")
		exp := t0.Add(time.Hour)
		expiring.ExpiresAt, expiring.MaxUses = &exp, nil
		expiring = mustInvite(t, s, expiring)
		if !use(expiring.ID, t0) || use(expiring.ID, exp) || use(expiring.ID, exp.Add(time.Second)) || uses(expiring.ID) != 1 {
			t.Fatalf("expiry: uses %d, want one use before it", uses(expiring.ID))
		}

		disabled := mustInvite(t, s, newInvite(a.ID, u.ID, "disabled"))
		disabled.Disabled = true
		if _, err := s.Invites().Update(ctx, disabled); err != nil {
			t.Fatal(err)
		}
		if use(disabled.ID, t0) || uses(disabled.ID) != 0 {
			t.Fatal("a disabled invite was used")
		}

		small := newInvite(a.ID, u.ID, "small")
		two := 2
		small.MaxUses = &two
		small = mustInvite(t, s, small)
		first, second, third := use(small.ID, t0), use(small.ID, t0), use(small.ID, t0)
		if !first || !second || third || uses(small.ID) != 2 {
			t.Fatalf("max_uses 2: uses %d", uses(small.ID))
		}
		if use(small.ID+1000, t0) {
			t.Fatal("a missing invite was used")
		}
	})
}

// TestInviteRepo_UseRace: 30 concurrent uses of an invite with 10 uses left have exactly
// 10 winners.
func TestInviteRepo_UseRace(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		inv := newInvite(a.ID, u.ID, "racing")
		ten := 10
		inv.MaxUses, inv.ExpiresAt = &ten, nil
		inv = mustInvite(t, s, inv)

		var wins atomic.Int64
		errs := make(chan error, 30)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ok, err := s.Invites().Use(ctx, inv.ID, t0)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					wins.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("use: %v", err)
		}
		got, err := s.Invites().Get(ctx, a.ID, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if wins.Load() != 10 || got.Uses != 10 {
			t.Fatalf("%d uses won and %d counted, want 10 and 10", wins.Load(), got.Uses)
		}
	})
}

func newInvitation(orgID, by int64, email, token string) domain.Invitation {
	return domain.Invitation{OrganizationID: orgID, Email: email, Role: domain.RoleMember, Status: domain.InvitationPending,
		TokenHash: domain.HashSecret(token), InvitedBy: by, ExpiresAt: t0.Add(domain.DefaultInvitationTTL), CreatedAt: t0, UpdatedAt: t0}
}

func mustInvitation(t *testing.T, s *gormstore.Store, i domain.Invitation) domain.Invitation {
	t.Helper()
	out, err := s.Invitations().Create(context.Background(), i)
	if err != nil {
		t.Fatalf("create invitation of %s: %v", i.Email, err)
	}
	return out
}

func TestInvitationRepo_CreateGetUpdate(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		joiner := mustUser(t, s, "sub-2", "b@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))

		inv := mustInvitation(t, s, newInvitation(a.ID, u.ID, "b@example.com", "tok-1"))
		if inv.ID == 0 {
			t.Fatal("no id assigned")
		}
		got, err := s.Invitations().Get(ctx, a.ID, inv.ID)
		if err != nil || got.Email != "b@example.com" || got.Status != domain.InvitationPending || got.Role != domain.RoleMember ||
			string(got.TokenHash) != string(domain.HashSecret("tok-1")) || got.InvitedBy != u.ID ||
			!got.ExpiresAt.Equal(t0.Add(domain.DefaultInvitationTTL)) || got.AcceptedAt != nil || got.AcceptedBy != nil || !got.CreatedAt.Equal(t0) {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if _, err := s.Invitations().Get(ctx, b.ID, inv.ID); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Fatalf("an invitation of another organization: %v", err)
		}
		if got, err := s.Invitations().ByTokenHash(ctx, domain.HashSecret("tok-1")); err != nil || got.ID != inv.ID {
			t.Fatalf("by token: %+v %v", got, err)
		}
		if _, err := s.Invitations().ByTokenHash(ctx, domain.HashSecret("tok-x")); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Fatalf("unknown token: %v", err)
		}

		// One pending invitation per organization and address.
		if _, err := s.Invitations().Create(ctx, newInvitation(a.ID, u.ID, "b@example.com", "tok-2")); !errors.Is(err, domain.ErrInvitationExists) {
			t.Fatalf("second pending invitation: %v, want invitation_exists", err)
		}
		mustInvitation(t, s, newInvitation(b.ID, u.ID, "b@example.com", "tok-2")) // another organization may invite
		if _, err := s.Invitations().Create(ctx, newInvitation(a.ID, u.ID, "c@example.com", "tok-1")); err == nil || domain.CodeOf(err) != domain.CodeInternal {
			t.Fatalf("a taken token hash: %v, want an internal error", err)
		}
		if _, err := s.Invitations().Create(ctx, newInvitation(a.ID+b.ID+100, u.ID, "c@example.com", "tok-3")); !errors.Is(err, domain.ErrOrganizationNotFound) {
			t.Fatalf("unknown organization: %v", err)
		}

		// Pending finds the pending one, expired or not.
		if got, err := s.Invitations().Pending(ctx, a.ID, "b@example.com"); err != nil || got.ID != inv.ID {
			t.Fatalf("pending: %+v %v", got, err)
		}
		if _, err := s.Invitations().Pending(ctx, a.ID, "c@example.com"); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Fatalf("pending of an uninvited address: %v", err)
		}

		// Resend: a new token and expiry, while still pending.
		resent := inv
		resent.TokenHash, resent.ExpiresAt, resent.UpdatedAt = domain.HashSecret("tok-4"), t0.Add(48*time.Hour), t0.Add(time.Hour)
		if ok, err := s.Invitations().Update(ctx, resent, domain.InvitationPending); err != nil || !ok {
			t.Fatalf("resend: %v %v", ok, err)
		}
		if _, err := s.Invitations().ByTokenHash(ctx, domain.HashSecret("tok-1")); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Fatalf("the old token still works: %v", err)
		}
		if got, err := s.Invitations().ByTokenHash(ctx, domain.HashSecret("tok-4")); err != nil || got.ID != inv.ID ||
			!got.ExpiresAt.Equal(t0.Add(48*time.Hour)) || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("after resend: %+v %v", got, err)
		}
		clash := resent
		clash.TokenHash = domain.HashSecret("tok-2") // the other organization's token
		if ok, err := s.Invitations().Update(ctx, clash, domain.InvitationPending); ok || domain.CodeOf(err) != domain.CodeInternal {
			t.Fatalf("update to a taken token hash: %v %v, want an internal error", ok, err)
		}

		// Revoke once; a second change from pending loses.
		revoked := resent
		revoked.Status, revoked.UpdatedAt = domain.InvitationRevoked, t0.Add(2*time.Hour)
		if ok, err := s.Invitations().Update(ctx, revoked, domain.InvitationPending); err != nil || !ok {
			t.Fatalf("revoke: %v %v", ok, err)
		}
		accepted := resent
		accepted.Status = domain.InvitationAccepted
		if ok, err := s.Invitations().Update(ctx, accepted, domain.InvitationPending); err != nil || ok {
			t.Fatalf("accept after revoke (stale from): %v %v, want false", ok, err)
		}
		if got, err := s.Invitations().Get(ctx, a.ID, inv.ID); err != nil || got.Status != domain.InvitationRevoked {
			t.Fatalf("after the lost race: %+v %v", got, err)
		}
		if ok, err := s.Invitations().Update(ctx, revoked, domain.InvitationPending); err != nil || ok {
			t.Fatalf("a repeated revoke: %v %v, want false", ok, err)
		}
		other := revoked
		other.OrganizationID = b.ID
		if ok, err := s.Invitations().Update(ctx, other, domain.InvitationRevoked); err != nil || ok {
			t.Fatalf("update through another organization: %v %v", ok, err)
		}

		// The address may be invited again once the first is revoked, and accept it.
		again := mustInvitation(t, s, newInvitation(a.ID, u.ID, "b@example.com", "tok-5"))
		at := t0.Add(3 * time.Hour)
		again.Status, again.AcceptedAt, again.AcceptedBy, again.UpdatedAt = domain.InvitationAccepted, &at, &joiner.ID, at
		if ok, err := s.Invitations().Update(ctx, again, domain.InvitationPending); err != nil || !ok {
			t.Fatalf("accept: %v %v", ok, err)
		}
		got, err = s.Invitations().Get(ctx, a.ID, again.ID)
		if err != nil || got.Status != domain.InvitationAccepted || !got.AcceptedAt.Equal(at) || *got.AcceptedBy != joiner.ID {
			t.Fatalf("after accept: %+v %v", got, err)
		}
		if _, err := s.Invitations().Pending(ctx, a.ID, "b@example.com"); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Fatalf("pending after accept: %v", err)
		}
	})
}

// TestInvitationRepo_UpdateBackToPending: moving a swept (expired) invitation back to
// pending while the address has another pending one is invitation_exists.
func TestInvitationRepo_UpdateBackToPending(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		old := newInvitation(a.ID, u.ID, "b@example.com", "tok-1")
		old.Status = domain.InvitationExpired
		old = mustInvitation(t, s, old)
		mustInvitation(t, s, newInvitation(a.ID, u.ID, "b@example.com", "tok-2"))
		old.Status, old.TokenHash = domain.InvitationPending, domain.HashSecret("tok-3")
		if ok, err := s.Invitations().Update(ctx, old, domain.InvitationExpired); ok || !errors.Is(err, domain.ErrInvitationExists) {
			t.Fatalf("got %v %v, want invitation_exists", ok, err)
		}
	})
}

func TestInvitationRepo_List(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		now := t0.Add(2 * time.Hour)
		add := func(email string, status domain.InvitationStatus, expires time.Time) int64 {
			t.Helper()
			i := newInvitation(a.ID, u.ID, email, "tok-"+email)
			i.Status, i.ExpiresAt = status, expires
			return mustInvitation(t, s, i).ID
		}
		lapsed := add("1@example.com", domain.InvitationPending, t0.Add(time.Hour))
		pending := add("2@example.com", domain.InvitationPending, t0.Add(10*time.Hour))
		accepted := add("3@example.com", domain.InvitationAccepted, t0.Add(10*time.Hour))
		revoked := add("4@example.com", domain.InvitationRevoked, t0.Add(10*time.Hour))
		swept := add("5@example.com", domain.InvitationExpired, t0.Add(time.Hour))
		atNow := add("6@example.com", domain.InvitationPending, now) // expires exactly now: expired
		mustInvitation(t, s, newInvitation(b.ID, u.ID, "7@example.com", "tok-7"))

		list := func(q domain.InvitationQuery) string {
			t.Helper()
			p, err := s.Invitations().List(ctx, a.ID, q, now)
			if err != nil {
				t.Fatal(err)
			}
			if p.Items == nil || p.Page != q.Page || p.PageSize != q.PageSize {
				t.Fatalf("page shape: %+v", p)
			}
			ids := []int64{}
			for _, i := range p.Items {
				ids = append(ids, i.ID)
			}
			return fmt.Sprintf("%v total %d", ids, p.Total)
		}
		st := func(s domain.InvitationStatus) *domain.InvitationStatus { return &s }
		want := func(total int, ids ...int64) string { return fmt.Sprintf("%v total %d", ids, total) }
		cases := []struct {
			name string
			q    domain.InvitationQuery
			want string
		}{
			{"all, newest first", domain.InvitationQuery{Page: 1, PageSize: 10}, want(6, atNow, swept, revoked, accepted, pending, lapsed)},
			{"page 2", domain.InvitationQuery{Page: 2, PageSize: 4}, want(6, pending, lapsed)},
			{"pending and unexpired", domain.InvitationQuery{Page: 1, PageSize: 10, Status: st(domain.InvitationPending)}, want(1, pending)},
			{"expired, swept or by time", domain.InvitationQuery{Page: 1, PageSize: 10, Status: st(domain.InvitationExpired)}, want(3, atNow, swept, lapsed)},
			{"accepted", domain.InvitationQuery{Page: 1, PageSize: 10, Status: st(domain.InvitationAccepted)}, want(1, accepted)},
			{"revoked", domain.InvitationQuery{Page: 1, PageSize: 10, Status: st(domain.InvitationRevoked)}, want(1, revoked)},
			{"past the end", domain.InvitationQuery{Page: 3, PageSize: 4}, "[] total 6"},
		}
		for _, c := range cases {
			if got := list(c.q); got != c.want {
				t.Errorf("%s: got %s, want %s", c.name, got, c.want)
			}
		}
		// Pending still finds a pending invitation past its expiry.
		if got, err := s.Invitations().Pending(ctx, a.ID, "1@example.com"); err != nil || got.ID != lapsed {
			t.Fatalf("pending past expiry: %+v %v", got, err)
		}
	})
}

func TestStatsRepo(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		empty, err := s.Stats().Stats(ctx, t0)
		if err != nil || len(empty.OrganizationsByStatus) != 3 || empty.OrganizationsByStatus[domain.StatusActive] != 0 ||
			empty.Users != 0 || empty.Memberships != 0 || empty.VerifiedDomains != 0 || empty.PendingInvitations != 0 {
			t.Fatalf("empty: %+v %v", empty, err)
		}

		u1 := mustUser(t, s, "sub-1", "a@example.com")
		u2 := mustUser(t, s, "sub-2", "b@example.com")
		mustUser(t, s, "sub-3", "c@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		archived := newOrg("charlie")
		archived.Status = domain.StatusArchived
		mustCreate(t, s.Organizations(), archived)
		mustMember(t, s, a.ID, u1.ID, domain.RoleOwner, t0)
		mustMember(t, s, b.ID, u1.ID, domain.RoleOwner, t0)
		mustMember(t, s, b.ID, u2.ID, domain.RoleMember, t0)
		d := mustAddDomain(t, s.Domains(), newDomain(t, a.ID, "a.example.com"))
		if _, err := s.Domains().Update(ctx, verified(d, t0)); err != nil {
			t.Fatal(err)
		}
		mustAddDomain(t, s.Domains(), newDomain(t, b.ID, "b.example.com"))
		now := t0.Add(time.Hour)
		mustInvitation(t, s, newInvitation(a.ID, u1.ID, "x@example.com", "tok-1")) // pending, unexpired
		lapsed := newInvitation(a.ID, u1.ID, "y@example.com", "tok-2")
		lapsed.ExpiresAt = now
		mustInvitation(t, s, lapsed)
		revoked := newInvitation(b.ID, u1.ID, "x@example.com", "tok-3")
		revoked.Status = domain.InvitationRevoked
		mustInvitation(t, s, revoked)

		st, err := s.Stats().Stats(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("orgs %d/%d/%d of %d, users %d, memberships %d, domains %d, invitations %d",
			st.OrganizationsByStatus[domain.StatusActive], st.OrganizationsByStatus[domain.StatusSuspended],
			st.OrganizationsByStatus[domain.StatusArchived], len(st.OrganizationsByStatus),
			st.Users, st.Memberships, st.VerifiedDomains, st.PendingInvitations)
		if want := "orgs 2/0/1 of 3, users 3, memberships 3, domains 1, invitations 1"; got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}

func TestOrganizationRepo_DeleteRemovesInvites(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-1", "a@example.com")
		a := mustCreate(t, s.Organizations(), newOrg("alpha"))
		b := mustCreate(t, s.Organizations(), newOrg("bravo"))
		mustInvite(t, s, newInvite(a.ID, u.ID, "code-a"))
		mustInvitation(t, s, newInvitation(a.ID, u.ID, "x@example.com", "tok-a"))
		kept := mustInvite(t, s, newInvite(b.ID, u.ID, "code-b"))
		keptInvitation := mustInvitation(t, s, newInvitation(b.ID, u.ID, "x@example.com", "tok-b"))
		if err := s.Do(ctx, func(tx ports.Repos) error { return tx.Organizations().Delete(ctx, a.ID) }); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Invites().ByCodeHash(ctx, domain.HashSecret("code-a")); !errors.Is(err, domain.ErrInviteNotFound) {
			t.Fatalf("invite left behind: %v", err)
		}
		if _, err := s.Invitations().ByTokenHash(ctx, domain.HashSecret("tok-a")); !errors.Is(err, domain.ErrInvitationNotFound) {
			t.Fatalf("invitation left behind: %v", err)
		}
		db, err := s.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"orgkit_invites", "orgkit_invitations"} {
			var n int
			if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil || n != 1 {
				t.Fatalf("%s: %d rows left, want the other organization's 1 (%v)", table, n, err)
			}
		}
		if got, err := s.Invites().Get(ctx, b.ID, kept.ID); err != nil || got.ID != kept.ID {
			t.Fatalf("another organization's invite: %v", err)
		}
		if got, err := s.Invitations().Get(ctx, b.ID, keptInvitation.ID); err != nil || got.ID != keptInvitation.ID {
			t.Fatalf("another organization's invitation: %v", err)
		}
	})
}
