package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

func rec(orgID *int64, action string) domain.AuditRecord {
	return domain.AuditRecord{OrganizationID: orgID, Action: action, TargetType: "organization", TargetID: "1",
		Changes: []string{"name"}, CreatedAt: t0}
}

func TestAuditRepo_ChainsPerOrganization(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a, b := int64(1), int64(2)
		r1, err := s.Audit().Append(ctx, rec(&a, "organization.created"))
		if err != nil {
			t.Fatal(err)
		}
		r2, err := s.Audit().Append(ctx, rec(&b, "organization.created"))
		if err != nil {
			t.Fatal(err)
		}
		r3, err := s.Audit().Append(ctx, rec(&a, "organization.updated"))
		if err != nil {
			t.Fatal(err)
		}
		p1, err := s.Audit().Append(ctx, rec(nil, "superadmin.granted"))
		if err != nil {
			t.Fatal(err)
		}
		if r1.PrevHash != "" || r2.PrevHash != "" || p1.PrevHash != "" || r3.PrevHash != r1.Hash || r3.Hash != r3.ComputeHash() {
			t.Fatalf("chain: %+v %+v %+v", r1, r2, r3)
		}
		page, err := s.Audit().List(ctx, domain.AuditQuery{Page: 1, PageSize: 10, OrganizationID: &a})
		if err != nil || page.Total != 2 || len(page.Items) != 2 || page.Items[0].ID != r3.ID || fmt.Sprint(page.Items[0].Changes) != "[name]" {
			t.Fatalf("list: %+v %v", page, err)
		}
		all, err := s.Audit().List(ctx, domain.AuditQuery{Page: 1, PageSize: 10, Action: "organization.created"})
		if err != nil || all.Total != 2 || len(all.Items) != 2 {
			t.Fatalf("by action: total %d, %d items, %v", all.Total, len(all.Items), err)
		}
		scanned, err := s.Audit().Scan(ctx, r1.ID, 10)
		if err != nil || len(scanned) != 3 || scanned[0].ID != r2.ID || scanned[2].Hash != p1.Hash || !scanned[0].CreatedAt.Equal(t0) {
			t.Fatalf("scan: %+v %v", scanned, err)
		}
	})
}

func TestAuditRepo_AppendOnly(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a := int64(1)
		r, err := s.Audit().Append(ctx, rec(&a, "organization.created"))
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range []string{"UPDATE orgkit_audit_logs SET action = 'x' WHERE id = ?", "DELETE FROM orgkit_audit_logs WHERE id = ?"} {
			if err := s.Exec(ctx, stmt, r.ID); err == nil {
				t.Errorf("%s succeeded", stmt)
			}
		}
	})
}

func TestAuditRepo_ConcurrentAppendsKeepOneChain(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a := int64(1)
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := s.Do(ctx, func(tx ports.Repos) error {
					_, err := tx.Audit().Append(ctx, rec(&a, "organization.updated"))
					return err
				})
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		records, err := s.Audit().Scan(ctx, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) != 20 {
			t.Fatalf("%d records, want 20", len(records))
		}
		prev := ""
		for _, r := range records {
			if r.PrevHash != prev || r.Hash != r.ComputeHash() {
				t.Fatalf("chain forked at %d", r.ID)
			}
			prev = r.Hash
		}
	})
}

func TestAPIKeyRepo(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		o1 := mustCreate(t, s.Organizations(), newOrg("alpha"))
		o2 := mustCreate(t, s.Organizations(), newOrg("bravo"))
		k := domain.APIKey{OrganizationID: o1.ID, Title: "Prod", Service: "stripe", SealKeyID: "k1", Last4: "abcd", CreatedAt: t0, UpdatedAt: t0}
		k, err := s.APIKeys().Create(ctx, k)
		if err != nil || k.ID == 0 {
			t.Fatal(err)
		}
		k.Sealed, k.UpdatedAt = []byte{1, 2, 3}, t0.Add(time.Minute)
		if _, err := s.APIKeys().Update(ctx, k); err != nil {
			t.Fatal(err)
		}
		got, err := s.APIKeys().Get(ctx, o1.ID, k.ID)
		if err != nil || string(got.Sealed) != "\x01\x02\x03" || got.Title != "Prod" || !got.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("get: %+v %v", got, err)
		}
		// Scoped by organization: another organization's id never finds it.
		if _, err := s.APIKeys().Get(ctx, o2.ID, k.ID); !errors.Is(err, domain.ErrAPIKeyNotFound) {
			t.Fatalf("cross-org get: %v", err)
		}
		if err := s.APIKeys().Delete(ctx, o2.ID, k.ID); !errors.Is(err, domain.ErrAPIKeyNotFound) {
			t.Fatalf("cross-org delete: %v", err)
		}
		if list, err := s.APIKeys().List(ctx, o2.ID); err != nil || len(list) != 0 {
			t.Fatalf("cross-org list: %v %v", list, err)
		}
		rotate, err := s.APIKeys().NotSealedWith(ctx, "k2", 10)
		if err != nil || len(rotate) != 1 {
			t.Fatalf("to rotate: %v %v", rotate, err)
		}
		next := got
		next.SealKeyID, next.Sealed = "k2", []byte{9}
		if ok, err := s.APIKeys().Reseal(ctx, next, []byte{7}); ok || err != nil {
			t.Fatalf("reseal with stale old value: %t %v", ok, err)
		}
		if ok, err := s.APIKeys().Reseal(ctx, next, got.Sealed); !ok || err != nil {
			t.Fatalf("reseal: %t %v", ok, err)
		}
		if rotate, err := s.APIKeys().NotSealedWith(ctx, "k2", 10); err != nil || len(rotate) != 0 {
			t.Fatalf("still to rotate: %v %v", rotate, err)
		}
		if err := s.Do(ctx, func(tx ports.Repos) error { return tx.Organizations().Delete(ctx, o1.ID) }); err != nil {
			t.Fatal(err)
		}
		if list, err := s.APIKeys().List(ctx, o1.ID); err != nil || len(list) != 0 {
			t.Fatalf("keys survive their organization: %v %v", list, err)
		}
	})
}
