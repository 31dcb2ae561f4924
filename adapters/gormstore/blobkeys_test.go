package gormstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

// TestOrganizationRepo_BlobKeys: blob keys are written with their columns only, read with
// every organization, and listed by organization id for orphan collection.
func TestOrganizationRepo_BlobKeys(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a, b, c := mustCreate(t, s.Organizations(), newOrg("acme")), mustCreate(t, s.Organizations(), newOrg("bolt")), mustCreate(t, s.Organizations(), newOrg("cord"))
		logo, icon, other := "organizations/1/logo/aa", "organizations/1/icon/bb", "organizations/2/logo/cc"
		a.LogoBlobKey, a.IconBlobKey, a.Name = &logo, &icon, "not written"
		if _, err := s.Organizations().Update(ctx, a, []string{domain.ColLogoBlobKey, domain.ColIconBlobKey}); err != nil {
			t.Fatal(err)
		}
		b.LogoBlobKey = &other
		if _, err := s.Organizations().Update(ctx, b, []string{domain.ColLogoBlobKey}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Organizations().Get(ctx, a.ID)
		if err != nil || got.LogoBlobKey == nil || *got.LogoBlobKey != logo || got.IconBlobKey == nil || *got.IconBlobKey != icon || got.Name != "Org acme" {
			t.Fatalf("read back %+v %v", got, err)
		}
		page, err := s.Organizations().List(ctx, domain.OrganizationQuery{Page: 1, PageSize: 10, Sort: domain.Sort{Field: "name"}})
		if err != nil || len(page.Items) != 3 || page.Items[1].LogoBlobKey == nil || *page.Items[1].LogoBlobKey != other || page.Items[2].LogoBlobKey != nil {
			t.Fatalf("list %+v %v", page.Items, err)
		}
		keys, err := s.Organizations().BlobKeys(ctx, []int64{a.ID, b.ID, c.ID, 999})
		slices.Sort(keys)
		if err != nil || !slices.Equal(keys, []string{icon, logo, other}) {
			t.Fatalf("BlobKeys %v %v", keys, err)
		}
		if keys, err := s.Organizations().BlobKeys(ctx, []int64{c.ID}); err != nil || len(keys) != 0 {
			t.Fatalf("none named: %v %v", keys, err)
		}
		if keys, err := s.Organizations().BlobKeys(ctx, nil); err != nil || len(keys) != 0 {
			t.Fatalf("no ids: %v %v", keys, err)
		}
	})
}
