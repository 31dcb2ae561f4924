package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// Bad input is refused before anything is read or written, naming every bad field.
func TestInitialize_ValidatesFirst(t *testing.T) {
	d := newDeps(t, app.Config{}) // no expectations: any store call fails the test
	_, err := d.svc.Initialize(context.Background(), app.FirstOrganization{Name: "A", Slug: "Not A Slug", OwnerEmail: "nobody"})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeValidation || fmt.Sprint(fieldsOf(de)) != "[name slug owner_email]" {
		t.Fatalf("got %v", err)
	}
}

func fieldsOf(e *domain.Error) []string {
	var out []string
	for _, f := range e.Details {
		out = append(out, f.Field)
	}
	return out
}

// A database with an organization is reported, under the lock, and nothing is written.
func TestInitialize_ExistingChangesNothing(t *testing.T) {
	d := newDeps(t, app.Config{})
	existing := domain.Organization{ID: 3, Name: "Acme", Slug: "acme"}
	gomock.InOrder(
		d.tx.orgs.EXPECT().LockCreates(gomock.Any()).Return(nil),
		d.tx.orgs.EXPECT().List(gomock.Any(), gomock.Any()).Return(domain.Page[domain.Organization]{Items: []domain.Organization{existing}, Total: 12}, nil),
	)
	res, err := d.svc.Initialize(context.Background(), app.FirstOrganization{Name: "New", Slug: "new", OwnerEmail: "o@example.com"})
	if err != nil || res.Created || res.Total != 12 || len(res.Existing) != 1 || res.Existing[0].Slug != "acme" || res.Link != "" {
		t.Fatalf("%+v %v", res, err)
	}
}

// With personal organizations on, a user who belongs to an organization by the time the
// decision is claimed is marked decided and gets none.
func TestSignIn_PersonalNotForMembers(t *testing.T) {
	d := newDeps(t, app.Config{PersonalOrganizations: true})
	email, name := "m@example.com", "Mem"
	u := domain.User{ID: 7, Subject: "sub-m", Email: &email, EmailVerified: true, Name: &name}
	checked := u
	checked.PersonalCheckedAt = &now
	gomock.InOrder(
		d.store.users.EXPECT().Provision(gomock.Any(), "sub-m", now).Return(u, nil),
		d.tx.invs.EXPECT().AwaitsAny(gomock.Any(), email, now).Return(false, nil),
		d.tx.users.EXPECT().ClaimPersonalCheck(gomock.Any(), int64(7), now).Return(true, nil),
		d.tx.mems.EXPECT().OrganizationIDs(gomock.Any(), int64(7)).Return([]int64{5}, nil),
		d.store.users.EXPECT().Get(gomock.Any(), int64(7)).Return(checked, nil),
	)
	p, err := d.svc.SignIn(context.Background(), domain.Identity{Subject: "sub-m", Email: email, Name: name, EmailVerified: true})
	if err != nil || p.User.PersonalCheckedAt == nil {
		t.Fatalf("%+v %v", p, err)
	}
}
