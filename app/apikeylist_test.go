package app_test

import (
	"context"
	"errors"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// storedKeys are an organization's keys as the store holds them: sealed.
func storedKeys() []domain.APIKey {
	return []domain.APIKey{
		{ID: 1, OrganizationID: org.ID, Title: "Payments", Service: "stripe", SealKeyID: "k1", Sealed: []byte("sealed-1"), Last4: "6789", CreatedAt: now},
		{ID: 2, OrganizationID: org.ID, Title: "Mail", Service: "postmark", SealKeyID: "k1", Sealed: []byte("sealed-2"), Last4: "abcd", CreatedAt: now},
	}
}

// Owners, admins and superadmins list the keys, without their sealed secrets; nothing is
// opened and no audit record is written (listing is not revealing).
func TestListAPIKeys_NoSecrets(t *testing.T) {
	for name, c := range map[string]struct {
		p    domain.Principal
		role domain.Role
	}{
		"owner":      {admin, domain.RoleOwner},
		"admin":      {admin, domain.RoleAdmin},
		"superadmin": {super, ""},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDeps(t, app.Config{}) // no sealer, limiter or audit call is expected
			d.store.readRole(org.ID, c.p.User.ID, c.role)
			d.store.keys.EXPECT().List(gomock.Any(), org.ID).Return(storedKeys(), nil)
			keys, err := d.svc.ListAPIKeys(context.Background(), c.p, org.ID)
			if err != nil || len(keys) != 2 {
				t.Fatalf("%+v %v", keys, err)
			}
			for i, k := range keys {
				want := storedKeys()[i]
				want.Sealed = nil
				if k.Sealed != nil || k.ID != want.ID || k.Title != want.Title || k.Service != want.Service || k.Last4 != want.Last4 ||
					k.SealKeyID != want.SealKeyID || !k.CreatedAt.Equal(want.CreatedAt) {
					t.Errorf("key %d: %+v, want %+v", i, k, want)
				}
			}
		})
	}
}

// Members, viewers and outsiders may not list; nor may an admin while the organization is
// suspended; the store's keys are never read for them.
func TestListAPIKeys_Refused(t *testing.T) {
	suspended := org
	suspended.Status = domain.StatusSuspended
	for name, c := range map[string]struct {
		role domain.Role
		org  domain.Organization
	}{
		"member":             {domain.RoleMember, org},
		"viewer":             {domain.RoleViewer, org},
		"outsider":           {"", org},
		"admin of suspended": {domain.RoleAdmin, suspended},
	} {
		t.Run(name, func(t *testing.T) {
			d := newDeps(t, app.Config{})
			d.store.orgs.EXPECT().GetWithRole(gomock.Any(), org.ID, admin.User.ID).Return(c.org, c.role, nil)
			keys, err := d.svc.ListAPIKeys(context.Background(), admin, org.ID)
			if domain.CodeOf(err) != domain.CodeForbidden || keys != nil {
				t.Fatalf("%+v %v", keys, err)
			}
		})
	}
}

// Another organization's id is organization_not_found when it does not exist, forbidden
// when the caller is not its member: either way no keys are read.
func TestListAPIKeys_OtherOrganizations(t *testing.T) {
	d := newDeps(t, app.Config{})
	d.store.orgs.EXPECT().GetWithRole(gomock.Any(), int64(99), admin.User.ID).Return(domain.Organization{}, domain.Role(""), domain.ErrOrganizationNotFound)
	if keys, err := d.svc.ListAPIKeys(context.Background(), admin, 99); !errors.Is(err, domain.ErrOrganizationNotFound) || keys != nil {
		t.Fatalf("unknown organization: %+v %v", keys, err)
	}
	other := org
	other.ID = 11
	d.store.orgs.EXPECT().GetWithRole(gomock.Any(), int64(11), admin.User.ID).Return(other, domain.Role(""), nil)
	if keys, err := d.svc.ListAPIKeys(context.Background(), admin, 11); !errors.Is(err, domain.ErrForbidden) || keys != nil {
		t.Fatalf("another organization: %+v %v", keys, err)
	}
}

// A store failure is returned as an error, with no keys.
func TestListAPIKeys_StoreError(t *testing.T) {
	down := errors.New("connection refused")
	d := newDeps(t, app.Config{})
	d.store.readRole(org.ID, admin.User.ID, domain.RoleAdmin)
	d.store.keys.EXPECT().List(gomock.Any(), org.ID).Return(nil, down)
	if keys, err := d.svc.ListAPIKeys(context.Background(), admin, org.ID); !errors.Is(err, down) || len(keys) != 0 {
		t.Fatalf("%+v %v", keys, err)
	}
	d = newDeps(t, app.Config{})
	d.store.orgs.EXPECT().GetWithRole(gomock.Any(), org.ID, admin.User.ID).Return(domain.Organization{}, domain.Role(""), down)
	if keys, err := d.svc.ListAPIKeys(context.Background(), admin, org.ID); !errors.Is(err, down) || keys != nil {
		t.Fatalf("authorization lookup: %+v %v", keys, err)
	}
}
