package gormstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/testenv"
	"github.com/orgkit/orgkit/ports"
)

// waitForLockWait waits until some session of the test's database waits for a lock.
func waitForLockWait(t *testing.T, s *gormstore.Store) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for count(t, s, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no session waits for a lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestWebhookRepo_PromotionSeesAChangeQueueingBehindANewHead (Postgres): a change queues its
// delivery while the head is being finished, so the next one becomes the head meanwhile; when
// that new head is finished before the change commits, its promotion must still reach the
// change's delivery. The soak found deliveries left waiting, not due, forever this way: the
// change had locked only the head rows it saw when its statement began.
func TestWebhookRepo_PromotionSeesAChangeQueueingBehindANewHead(t *testing.T) {
	testenv.Postgres(t)
	s := gormtest.Open(t, gormstore.Postgres)
	ctx := context.Background()
	a := mustCreate(t, s.Organizations(), newOrg("acme")).ID
	ep := mustEndpoint(t, s, &a, "https://a.example").ID
	queue(t, s, &a, ep)
	queue(t, s, &a, ep) // waits behind the first
	late := mustEvent(t, s, &a, "member.added", t0)
	head := claim(t, s, t0, t0.Add(time.Minute))
	if len(head) != 1 {
		t.Fatalf("claimed %d", len(head))
	}

	finishing, finished := make(chan struct{}), make(chan error, 1)
	go func() { // the head's attempt: recorded, then committed once told
		finished <- s.Do(ctx, func(tx ports.Repos) error {
			d := head[0]
			d.Status, d.Attempts, d.NextAttemptAt, d.UpdatedAt = domain.DeliveryDelivered, 1, time.Time{}, t0
			if err := tx.Webhooks().RecordAttempt(ctx, d, domain.WebhookAttempt{StatusCode: 200, CreatedAt: t0}); err != nil {
				return err
			}
			<-finishing
			return nil
		})
	}()
	time.Sleep(100 * time.Millisecond) // the attempt holds its locks
	queued, commit, committed := make(chan error, 1), make(chan struct{}), make(chan error, 1)
	go func() { // the change: queues behind the head, commits once told
		committed <- s.Do(ctx, func(tx ports.Repos) error {
			err := tx.Webhooks().AddDeliveries(ctx, late, []int64{ep}, t0)
			queued <- err
			<-commit
			return err
		})
	}()
	waitForLockWait(t, s) // the change waits for the head's attempt
	close(finishing)
	if err := <-finished; err != nil {
		t.Fatalf("finish the head: %v", err)
	}
	if err := <-queued; err != nil {
		t.Fatalf("queue: %v", err)
	}
	next := claim(t, s, t0, t0.Add(time.Minute)) // the second delivery, now the head
	if len(next) != 1 {
		t.Fatalf("claimed %d after the head finished, want the second", len(next))
	}
	done := make(chan error, 1)
	go func() { done <- recordDelivered(ctx, s, next[0]) }() // finished before the change commits
	time.Sleep(100 * time.Millisecond)
	close(commit)
	if err := <-committed; err != nil {
		t.Fatalf("commit the change: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("finish the second: %v", err)
	}
	if got := claim(t, s, t0, t0.Add(time.Minute)); len(got) != 1 || got[0].EventID != late.ID {
		t.Fatalf("claimed %s after the second finished, want the late change's delivery %d", claimedEvents(got), late.ID)
	}
}

func recordDelivered(ctx context.Context, s *gormstore.Store, d domain.WebhookDelivery) error {
	d.Status, d.Attempts, d.NextAttemptAt, d.UpdatedAt = domain.DeliveryDelivered, d.Attempts+1, time.Time{}, t0
	return s.Webhooks().RecordAttempt(ctx, d, domain.WebhookAttempt{StatusCode: 200, CreatedAt: t0})
}
