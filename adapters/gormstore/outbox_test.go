package gormstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

func mustOutbox(t *testing.T, s *gormstore.Store, payload string, due time.Time) domain.OutboxItem {
	t.Helper()
	item, err := s.Outbox().Add(context.Background(), domain.OutboxItem{Kind: domain.OutboxMail, Payload: []byte(payload),
		NextAttemptAt: due, CreatedAt: t0})
	if err != nil {
		t.Fatalf("add %s: %v", payload, err)
	}
	return item
}

func claimIDs(t *testing.T, s *gormstore.Store, now, lease time.Time, limit int) []int64 {
	t.Helper()
	items, err := s.Outbox().ClaimDue(context.Background(), now, lease, limit)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{}
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	return ids
}

func TestOutboxRepo(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		first := mustOutbox(t, s, `{"to":"a"}`, t0)
		second := mustOutbox(t, s, `{"to":"b"}`, t0.Add(time.Minute))
		later := mustOutbox(t, s, `{"to":"c"}`, t0.Add(time.Hour))
		if first.ID == 0 || first.Attempts != 0 || first.LastError != nil || !first.NextAttemptAt.Equal(t0) {
			t.Fatalf("add: %+v", first)
		}
		// An item added without a due time is due when created, never given up unsent.
		unscheduled, err := s.Outbox().Add(ctx, domain.OutboxItem{Kind: domain.OutboxMail, Payload: []byte("{}"), CreatedAt: t0.Add(30 * time.Minute)})
		if err != nil || !unscheduled.NextAttemptAt.Equal(t0.Add(30*time.Minute)) {
			t.Fatalf("add without a due time: %+v %v", unscheduled, err)
		}

		if got := claimIDs(t, s, t0.Add(-time.Second), t0.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("nothing is due yet: claimed %v", got)
		}
		lease := t0.Add(10 * time.Minute)
		items, err := s.Outbox().ClaimDue(ctx, t0.Add(2*time.Minute), lease, 10)
		if err != nil || len(items) != 2 || items[0].ID != first.ID || items[1].ID != second.ID {
			t.Fatalf("claim the due items: %+v %v", items, err)
		}
		if string(items[0].Payload) != `{"to":"a"}` || items[0].Kind != domain.OutboxMail || !items[0].NextAttemptAt.Equal(lease) ||
			!items[0].CreatedAt.Equal(t0) {
			t.Fatalf("claimed item: %+v", items[0])
		}
		if got := claimIDs(t, s, t0.Add(3*time.Minute), t0.Add(time.Hour), 10); len(got) != 0 {
			t.Fatalf("leased items claimed again: %v", got)
		}
		if got := claimIDs(t, s, lease, lease.Add(10*time.Minute), 1); fmt.Sprint(got) != fmt.Sprint([]int64{first.ID}) {
			t.Fatalf("after the lease, limit 1: %v, want the oldest due", got)
		}

		// A failure with a next attempt is retried then; a zero next gives the item up.
		if err := s.Outbox().Failed(ctx, second.ID, 1, t0.Add(20*time.Minute), "mailbox full"); err != nil {
			t.Fatal(err)
		}
		if err := s.Outbox().Failed(ctx, first.ID, domain.OutboxMaxAttempts, time.Time{}, "gone"); err != nil {
			t.Fatal(err)
		}
		items, err = s.Outbox().ClaimDue(ctx, t0.Add(20*time.Minute), t0.Add(25*time.Minute), 10)
		if err != nil || len(items) != 1 || items[0].ID != second.ID || items[0].Attempts != 1 || items[0].LastError == nil ||
			*items[0].LastError != "mailbox full" {
			t.Fatalf("retry: %+v %v", items, err)
		}
		far := t0.Add(24 * 365 * time.Hour)
		if err := s.Outbox().Delete(ctx, second.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Outbox().Delete(ctx, second.ID); err != nil {
			t.Fatalf("delete twice: %v", err)
		}
		// The backlog is what waits: leased and due items, not the given-up nor the deleted.
		if n, err := s.Outbox().Backlog(ctx); err != nil || n != 2 {
			t.Fatalf("backlog %d %v, want 2", n, err)
		}
		got := claimIDs(t, s, far, far.Add(time.Hour), 10)
		if fmt.Sprint(got) != fmt.Sprint([]int64{later.ID, unscheduled.ID}) {
			t.Fatalf("far in the future: claimed %v, want only %d and %d (given up and deleted items never)", got, later.ID, unscheduled.ID)
		}
		// The given-up item is kept, with its last error, for an operator.
		db, err := s.SQLDB()
		if err != nil {
			t.Fatal(err)
		}
		var attempts int
		var lastError string
		q := "SELECT attempts, last_error FROM orgkit_outbox WHERE id = ? AND next_attempt_at IS NULL"
		if s.Dialect() == gormstore.Postgres {
			q = strings.Replace(q, "?", "$1", 1)
		}
		err = db.QueryRowContext(ctx, q, first.ID).Scan(&attempts, &lastError)
		if err != nil || attempts != domain.OutboxMaxAttempts || lastError != "gone" {
			t.Fatalf("given-up item: %d %q %v", attempts, lastError, err)
		}
	})
}

// TestOutboxRepo_ConcurrentClaims: claimers racing over one queue never get one item twice,
// and together get all of them.
func TestOutboxRepo_ConcurrentClaims(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		const n = 60
		want := make([]int64, 0, n)
		for i := range n {
			want = append(want, mustOutbox(t, s, fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second)).ID)
		}
		claimed := make(chan []int64, 8)
		errs := make(chan error, 8)
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []int64
				for {
					items, err := s.Outbox().ClaimDue(context.Background(), t0.Add(time.Hour), t0.Add(2*time.Hour), 4)
					if err != nil {
						errs <- err
						break
					}
					if len(items) == 0 {
						break
					}
					for _, it := range items {
						mine = append(mine, it.ID)
					}
				}
				claimed <- mine
			}()
		}
		wg.Wait()
		close(claimed)
		close(errs)
		for err := range errs {
			t.Errorf("claim: %v", err)
		}
		var all []int64
		for ids := range claimed {
			all = append(all, ids...)
		}
		slices.Sort(all)
		if !slices.Equal(all, want) {
			t.Fatalf("claimed %d items %v, want each of %d once", len(all), all, n)
		}
	})
}
