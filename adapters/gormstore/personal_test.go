package gormstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

func TestUserRepo_ClaimPersonalCheck(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		u := mustUser(t, s, "sub-claim", "claim@example.com")
		if u.PersonalCheckedAt != nil {
			t.Fatalf("a new user is checked: %v", u.PersonalCheckedAt)
		}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() {
				err := s.Do(ctx, func(tx ports.Repos) error {
					won, err := tx.Users().ClaimPersonalCheck(ctx, u.ID, t0)
					if won {
						wins.Add(1)
						time.Sleep(20 * time.Millisecond) // hold the row while the others wait
					}
					return err
				})
				if err != nil {
					t.Errorf("claim: %v", err)
				}
			})
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d claims won, want 1", wins.Load())
		}
		got, err := s.Users().Get(ctx, u.ID)
		if err != nil || got.PersonalCheckedAt == nil || !got.PersonalCheckedAt.Equal(t0) {
			t.Fatalf("after the claim: %+v %v", got.PersonalCheckedAt, err)
		}
		if _, err := s.Users().ClaimPersonalCheck(ctx, 99999, t0); !errors.Is(err, domain.ErrUserNotFound) {
			t.Fatalf("unknown user: %v", err)
		}
		// A claim rolled back with its transaction leaves the user unchecked.
		v := mustUser(t, s, "sub-rollback", "rollback@example.com")
		boom := errors.New("boom")
		err = s.Do(ctx, func(tx ports.Repos) error {
			if won, err := tx.Users().ClaimPersonalCheck(ctx, v.ID, t0); !won || err != nil {
				t.Errorf("claim: %v %v", won, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if got, err := s.Users().Get(ctx, v.ID); err != nil || got.PersonalCheckedAt != nil {
			t.Fatalf("after a rollback: %+v %v", got.PersonalCheckedAt, err)
		}
	})
}

// LockCreates holds off another LockCreates and every insert until the transaction ends: what
// the holder read about which organizations exist stays true until it commits.
func TestOrganizationRepo_LockCreates(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		locked, release := make(chan struct{}), make(chan struct{})
		var order []string
		var mu sync.Mutex
		note := func(s string) { mu.Lock(); defer mu.Unlock(); order = append(order, s) }
		var wg sync.WaitGroup
		wg.Go(func() {
			err := s.Do(ctx, func(tx ports.Repos) error {
				if err := tx.Organizations().LockCreates(ctx); err != nil {
					return err
				}
				close(locked)
				<-release
				note("holder commits")
				return nil
			})
			if err != nil {
				t.Errorf("holder: %v", err)
			}
		})
		<-locked
		wg.Go(func() {
			if _, err := s.Organizations().Create(ctx, newOrg("waits")); err != nil {
				t.Errorf("insert: %v", err)
			}
			note("insert")
		})
		time.Sleep(200 * time.Millisecond)
		close(release)
		wg.Wait()
		if len(order) != 2 || order[0] != "holder commits" {
			t.Fatalf("order %v: the insert did not wait for the lock", order)
		}
	})
}

// An operator's invitation (no inviter) is the only kind that may give owner, and it must.
func TestInvitationRepo_OperatorInvitations(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		org := mustCreate(t, s.Organizations(), newOrg("first"))
		u := mustUser(t, s, "sub-inviter", "inviter@example.com")

		owner := newInvitation(org.ID, 0, "owner@example.com", "tok-owner")
		owner.Role = domain.RoleOwner
		got := mustInvitation(t, s, owner)
		if again, err := s.Invitations().Get(ctx, org.ID, got.ID); err != nil || again.InvitedBy != 0 || again.Role != domain.RoleOwner {
			t.Fatalf("operator invitation read back: %+v %v", again, err)
		}
		byUser := newInvitation(org.ID, u.ID, "other@example.com", "tok-other")
		byUser.Role = domain.RoleOwner
		if _, err := s.Invitations().Create(ctx, byUser); err == nil {
			t.Fatal("a user's invitation gave owner")
		}
		noOwner := newInvitation(org.ID, 0, "third@example.com", "tok-third")
		if _, err := s.Invitations().Create(ctx, noOwner); err == nil {
			t.Fatal("an operator's invitation gave a role other than owner")
		}
		mustInvitation(t, s, newInvitation(org.ID, u.ID, "member@example.com", "tok-member"))
	})
}
