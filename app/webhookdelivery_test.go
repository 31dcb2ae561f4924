package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"go.uber.org/mock/gomock"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
	"github.com/orgkit/orgkit/ports/mocks"
)

// withSender wires a mocked webhook sender.
func withSender(s *mocks.MockWebhookSender) func(*app.Deps, deps) {
	return func(deps *app.Deps, _ deps) { deps.Webhooks = s }
}

// withMetrics wires m, whose expectations the test sets.
func withMetrics(m *mocks.MockMetrics) func(*app.Deps, deps) {
	return func(deps *app.Deps, _ deps) { deps.Metrics = m }
}

// oneDue makes the store hand out delivery d once, for endpoint ep.
func oneDue(d deps, del domain.WebhookDelivery, ep domain.WebhookEndpoint) {
	gomock.InOrder(
		d.store.hooks.EXPECT().ClaimDue(gomock.Any(), now, now.Add(time.Minute), 1).Return([]domain.WebhookDelivery{del}, nil),
		d.store.hooks.EXPECT().ClaimDue(gomock.Any(), now, now.Add(time.Minute), 1).Return(nil, nil).AnyTimes(),
	)
	d.store.hooks.EXPECT().Subscribers(gomock.Any(), del.OrganizationID).Return([]domain.WebhookEndpoint{ep}, nil)
	d.sealer.EXPECT().Open(ep.Secret, domain.WebhookSecretAAD(ep.ID)).Return([]byte("whsec_c2VjcmV0"), nil)
}

func failing(s *mocks.MockWebhookSender) {
	s.EXPECT().Send(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r ports.WebhookRequest) (ports.WebhookResponse, error) {
		if r.MsgID != "evt_1" || len(r.Secrets) != 1 {
			panic("unexpected request")
		}
		return ports.WebhookResponse{StatusCode: http.StatusInternalServerError, Body: []byte("down\x00\xff")}, nil
	})
}

func TestDeliverWebhooks_BacksOffThenGivesUp(t *testing.T) {
	cases := map[string]struct {
		attempts   int
		status     domain.WebhookDeliveryStatus
		minW, maxW time.Duration
	}{
		"first failure: about 5 s":    {0, domain.DeliveryPending, 4500 * time.Millisecond, 5500 * time.Millisecond},
		"fourth failure: about 2 h":   {3, domain.DeliveryPending, 108 * time.Minute, 132 * time.Minute},
		"eighth failure: given up":    {7, domain.DeliveryFailed, 0, 0},
		"after a manual retry, again": {9, domain.DeliveryFailed, 0, 0},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			sender := mocks.NewMockWebhookSender(gomock.NewController(t))
			d := newDeps(t, app.Config{}, withSender(sender))
			since := now.Add(-time.Hour)
			ep := domain.WebhookEndpoint{ID: 7, OrganizationID: &org.ID, URL: "https://hooks.example.com/", Secret: []byte("sealed"), FailingSince: &since}
			del := domain.WebhookDelivery{ID: 3, EndpointID: 7, OrganizationID: &org.ID, Status: domain.DeliveryPending, Attempts: c.attempts,
				Event: domain.Event{PublicID: "evt_1", Payload: []byte(`{}`)}}
			oneDue(d, del, ep)
			failing(sender)
			d.store.hooks.EXPECT().RecordAttempt(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, got domain.WebhookDelivery, a domain.WebhookAttempt) error {
				if got.Attempts != c.attempts+1 || got.Status != c.status || a.StatusCode != 500 || a.Response != "down\uFFFD" || a.DeliveryID != 3 {
					t.Errorf("recorded %+v %+v", got, a)
				}
				wait := got.NextAttemptAt.Sub(now)
				if c.status == domain.DeliveryFailed && !got.NextAttemptAt.IsZero() || c.status == domain.DeliveryPending && (wait < c.minW || wait > c.maxW) {
					t.Errorf("next attempt in %v, want %v..%v", wait, c.minW, c.maxW)
				}
				return nil
			})
			if n, err := d.svc.DeliverWebhooks(context.Background()); n != 0 || err != nil {
				t.Fatalf("%d %v", n, err)
			}
		})
	}
}

// An endpoint that failed for three days is disabled, says why, and the change is audited.
func TestDeliverWebhooks_DisablesAnEndpointFailingForThreeDays(t *testing.T) {
	ctrl := gomock.NewController(t)
	sender, metrics := mocks.NewMockWebhookSender(ctrl), mocks.NewMockMetrics(ctrl)
	d := newDeps(t, app.Config{}, withSender(sender), withMetrics(metrics))
	metrics.EXPECT().WebhookDelivery(ports.DeliveryFailure).Times(1)
	metrics.EXPECT().WebhookEndpointDisabled().Times(1) // counted once, after the commit
	since := now.Add(-domain.WebhookDisableAfter)
	ep := domain.WebhookEndpoint{ID: 7, OrganizationID: &org.ID, URL: "https://hooks.example.com/", Secret: []byte("sealed"), FailingSince: &since}
	del := domain.WebhookDelivery{ID: 3, EndpointID: 7, OrganizationID: &org.ID, Status: domain.DeliveryPending, Attempts: domain.WebhookDisableAttempts - 1,
		Event: domain.Event{PublicID: "evt_1", Payload: []byte(`{}`)}}
	oneDue(d, del, ep)
	failing(sender)
	d.store.hooks.EXPECT().RecordAttempt(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
	d.tx.hooks.EXPECT().GetEndpointForUpdate(gomock.Any(), &org.ID, int64(7)).Return(ep, nil)
	d.tx.hooks.EXPECT().UpdateEndpoint(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
		if !e.Disabled || e.DisabledReason == "" || e.FailingSince == nil || !e.FailingSince.Equal(since) {
			t.Errorf("updated %+v", e)
		}
		return e, nil
	})
	d.tx.audit.EXPECT().Append(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, r domain.AuditRecord) (domain.AuditRecord, error) {
		if r.Action != domain.AuditWebhookEndpointDisabled || r.ActorUserID != nil || r.OrganizationID == nil || *r.OrganizationID != org.ID {
			t.Errorf("audited %+v", r)
		}
		return r, nil
	})
	if _, err := d.svc.DeliverWebhooks(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A success clears when the endpoint started failing; a delivered delivery has no next
// attempt.
func TestDeliverWebhooks_SuccessClearsFailingSince(t *testing.T) {
	sender := mocks.NewMockWebhookSender(gomock.NewController(t))
	d := newDeps(t, app.Config{}, withSender(sender))
	since := now.Add(-time.Hour)
	ep := domain.WebhookEndpoint{ID: 7, OrganizationID: &org.ID, URL: "https://hooks.example.com/", Secret: []byte("sealed"), FailingSince: &since}
	del := domain.WebhookDelivery{ID: 3, EndpointID: 7, OrganizationID: &org.ID, Status: domain.DeliveryPending, Attempts: 1,
		Event: domain.Event{PublicID: "evt_1", Payload: []byte(`{}`)}}
	oneDue(d, del, ep)
	sender.EXPECT().Send(gomock.Any(), gomock.Any()).Return(ports.WebhookResponse{StatusCode: 200, Latency: time.Millisecond}, nil)
	d.store.hooks.EXPECT().RecordAttempt(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, got domain.WebhookDelivery, a domain.WebhookAttempt) error {
		if got.Status != domain.DeliveryDelivered || !got.NextAttemptAt.IsZero() || a.Error != "" {
			t.Errorf("recorded %+v %+v", got, a)
		}
		return nil
	})
	d.tx.hooks.EXPECT().GetEndpointForUpdate(gomock.Any(), &org.ID, int64(7)).Return(ep, nil)
	d.tx.hooks.EXPECT().UpdateEndpoint(gomock.Any(), gomock.Any()).DoAndReturn(func(_ context.Context, e domain.WebhookEndpoint) (domain.WebhookEndpoint, error) {
		if e.FailingSince != nil || e.Disabled {
			t.Errorf("updated %+v", e)
		}
		return e, nil
	})
	if n, err := d.svc.DeliverWebhooks(context.Background()); n != 1 || err != nil {
		t.Fatalf("%d %v", n, err)
	}
}

// An endpoint whose last failures were long ago is not disabled by the first failure after a
// quiet spell: the failing delivery must have failed its retries for hours too.
func TestDeliverWebhooks_OneFailureAfterAQuietSpellDisablesNothing(t *testing.T) {
	ctrl := gomock.NewController(t)
	sender, metrics := mocks.NewMockWebhookSender(ctrl), mocks.NewMockMetrics(ctrl)
	d := newDeps(t, app.Config{}, withSender(sender), withMetrics(metrics))
	metrics.EXPECT().WebhookDelivery(ports.DeliveryFailure).Times(1) // and no WebhookEndpointDisabled
	since := now.Add(-5 * 24 * time.Hour)
	ep := domain.WebhookEndpoint{ID: 7, OrganizationID: &org.ID, URL: "https://hooks.example.com/", Secret: []byte("sealed"), FailingSince: &since}
	del := domain.WebhookDelivery{ID: 3, EndpointID: 7, OrganizationID: &org.ID, Status: domain.DeliveryPending,
		Event: domain.Event{PublicID: "evt_1", Payload: []byte(`{}`)}}
	oneDue(d, del, ep)
	failing(sender)
	d.store.hooks.EXPECT().RecordAttempt(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
	d.tx.hooks.EXPECT().GetEndpointForUpdate(gomock.Any(), &org.ID, int64(7)).Return(ep, nil)
	// No UpdateEndpoint and no audit record are expected.
	if _, err := d.svc.DeliverWebhooks(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// A replica told to stop (ctx ends) while a delivery is on its way finishes that delivery and
// records it: abandoned, it would hold its queue for the lease and be sent a second time.
func TestDeliverWebhooks_FinishesTheAttemptInFlightWhenStopped(t *testing.T) {
	sender := mocks.NewMockWebhookSender(gomock.NewController(t))
	d := newDeps(t, app.Config{}, withSender(sender))
	ep := domain.WebhookEndpoint{ID: 7, OrganizationID: &org.ID, URL: "https://hooks.example.com/", Secret: []byte("sealed")}
	del := domain.WebhookDelivery{ID: 3, EndpointID: 7, OrganizationID: &org.ID, Status: domain.DeliveryPending,
		Event: domain.Event{PublicID: "evt_1", Payload: []byte(`{}`)}}
	oneDue(d, del, ep)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	sender.EXPECT().Send(gomock.Any(), gomock.Any()).DoAndReturn(func(sctx context.Context, _ ports.WebhookRequest) (ports.WebhookResponse, error) {
		stop() // SIGTERM arrives while the receiver answers
		if sctx.Err() != nil {
			return ports.WebhookResponse{}, sctx.Err()
		}
		return ports.WebhookResponse{StatusCode: http.StatusNoContent}, nil
	})
	d.store.hooks.EXPECT().RecordAttempt(gomock.Any(), gomock.Any(), gomock.Any()).DoAndReturn(func(rctx context.Context, got domain.WebhookDelivery, a domain.WebhookAttempt) error {
		if rctx.Err() != nil {
			return rctx.Err()
		}
		if got.Status != domain.DeliveryDelivered || a.StatusCode != http.StatusNoContent || a.Error != "" {
			t.Errorf("recorded %+v %+v", got, a)
		}
		return nil
	})
	if n, err := d.svc.DeliverWebhooks(ctx); n != 1 || err != nil {
		t.Fatalf("delivered %d, %v; want the one in flight delivered and recorded", n, err)
	}
}

// Nor is a claim cut off when the replica is told to stop during it: a claim that committed
// while its caller gave up would leave the delivery leased with nobody to send it.
func TestDeliverWebhooks_SendsWhatItClaimedWhileStopping(t *testing.T) {
	sender := mocks.NewMockWebhookSender(gomock.NewController(t))
	d := newDeps(t, app.Config{}, withSender(sender))
	ep := domain.WebhookEndpoint{ID: 7, OrganizationID: &org.ID, URL: "https://hooks.example.com/", Secret: []byte("sealed")}
	del := domain.WebhookDelivery{ID: 3, EndpointID: 7, OrganizationID: &org.ID, Status: domain.DeliveryPending,
		Event: domain.Event{PublicID: "evt_1", Payload: []byte(`{}`)}}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var once sync.Once
	d.store.hooks.EXPECT().ClaimDue(gomock.Any(), now, now.Add(time.Minute), 1).DoAndReturn(func(cctx context.Context, _, _ time.Time, _ int) ([]domain.WebhookDelivery, error) {
		claimed := false
		once.Do(func() { stop(); claimed = true }) // SIGTERM arrives while the claim commits
		if cctx.Err() != nil {
			return nil, cctx.Err()
		}
		if claimed {
			return []domain.WebhookDelivery{del}, nil
		}
		return nil, nil
	}).AnyTimes()
	d.store.hooks.EXPECT().Subscribers(gomock.Any(), del.OrganizationID).Return([]domain.WebhookEndpoint{ep}, nil)
	d.sealer.EXPECT().Open(ep.Secret, domain.WebhookSecretAAD(ep.ID)).Return([]byte("whsec_c2VjcmV0"), nil)
	sender.EXPECT().Send(gomock.Any(), gomock.Any()).Return(ports.WebhookResponse{StatusCode: http.StatusNoContent}, nil)
	d.store.hooks.EXPECT().RecordAttempt(gomock.Any(), gomock.Any(), gomock.Any()).Return(nil)
	if n, err := d.svc.DeliverWebhooks(ctx); n != 1 || err != nil {
		t.Fatalf("delivered %d, %v; want the claimed one delivered", n, err)
	}
}
