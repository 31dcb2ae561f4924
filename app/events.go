package app

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// raise turns an audited change into its event in the change's transaction: the event row,
// then a delivery for every endpoint that wants it. So a change never commits without its
// event nor its deliveries, and a crash after commit loses none of them.
func (s *Service) raise(ctx context.Context, tx ports.Repos, rec domain.AuditRecord, e event) error {
	typ, ok := domain.EventTypeOf(rec.Action)
	if e.eventType != "" {
		typ, ok = e.eventType, true
	}
	if !ok {
		return nil
	}
	data, err := s.eventData(ctx, tx, e)
	if err != nil {
		return fmt.Errorf("event %s data: %w", typ, err)
	}
	ev := domain.Event{PublicID: newEventID(), Type: typ, OrganizationID: rec.OrganizationID,
		ActorUserID: rec.ActorUserID, ActorEmail: rec.ActorEmail, CreatedAt: rec.CreatedAt}
	if ev.Payload, err = eventPayload(ev, data); err != nil {
		return err
	}
	if ev, err = tx.Events().Add(ctx, ev); err != nil {
		return fmt.Errorf("add event %s: %w", typ, err)
	}
	return s.fanOut(ctx, tx, ev)
}

// fanOut queues ev for every enabled endpoint of its organization and of the platform that
// wants its type.
func (s *Service) fanOut(ctx context.Context, tx ports.Repos, ev domain.Event) error {
	subs, err := tx.Webhooks().Subscribers(ctx, ev.OrganizationID)
	if err != nil {
		return fmt.Errorf("webhook subscribers: %w", err)
	}
	var ids []int64
	for _, ep := range subs {
		if ep.Wants(ev.Type) {
			ids = append(ids, ep.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return tx.Webhooks().AddDeliveries(ctx, ev, ids, ev.CreatedAt)
}

// eventData is the changed resource as the API shows it: e.data when the caller had it
// (a deleted resource's last state), else loaded in the transaction after the change.
func (s *Service) eventData(ctx context.Context, tx ports.Repos, e event) ([]byte, error) {
	if s.render == nil {
		return json.Marshal(map[string]int64{"id": e.targetID})
	}
	v := e.data
	if v == nil {
		var err error
		if v, err = loadTarget(ctx, tx, e); err != nil {
			return nil, err
		}
	}
	return s.render.Render(v)
}

// loadTarget reads the resource an audited change names.
func loadTarget(ctx context.Context, tx ports.Repos, e event) (any, error) {
	org := int64(0)
	if e.orgID != nil {
		org = *e.orgID
	}
	switch e.targetType {
	case "organization":
		return tx.Organizations().Get(ctx, e.targetID)
	case "user":
		if e.orgID != nil {
			return tx.Memberships().Get(ctx, org, e.targetID)
		}
		return tx.Users().Get(ctx, e.targetID)
	case "invitation":
		return tx.Invitations().Get(ctx, org, e.targetID)
	case "invite":
		return tx.Invites().Get(ctx, org, e.targetID)
	case "domain":
		return tx.Domains().Get(ctx, org, e.targetID)
	case "api_key":
		return tx.APIKeys().Get(ctx, org, e.targetID)
	case "webhook_endpoint":
		return tx.Webhooks().GetEndpoint(ctx, e.orgID, e.targetID)
	}
	return nil, fmt.Errorf("no event data for target type %q", e.targetType)
}

// eventEnvelope is an event's JSON body, the same in GET …/events and in every delivery.
type eventEnvelope struct {
	ID             string          `json:"id"`
	Type           string          `json:"type"`
	CreatedAt      string          `json:"created_at"`
	OrganizationID *int64          `json:"organization_id"`
	Actor          eventActor      `json:"actor"`
	Data           json.RawMessage `json:"data"`
}

type eventActor struct {
	UserID *int64  `json:"user_id"`
	Email  *string `json:"email"`
}

func eventPayload(ev domain.Event, data []byte) ([]byte, error) {
	b, err := json.Marshal(eventEnvelope{ID: ev.PublicID, Type: ev.Type, CreatedAt: ev.CreatedAt.UTC().Format(time.RFC3339Nano),
		OrganizationID: ev.OrganizationID, Actor: eventActor{UserID: ev.ActorUserID, Email: ev.ActorEmail}, Data: data})
	if err != nil {
		return nil, fmt.Errorf("encode event %s: %w", ev.Type, err)
	}
	return b, nil
}

var eventIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// newEventID is "evt_" and 128 random bits: receivers deduplicate by it, so it must never
// repeat, even across databases restored from a backup.
func newEventID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return "evt_" + strings.ToLower(eventIDEncoding.EncodeToString(b[:]))
}

// ListEvents pages through one organization's events, newest first, so a receiver that was
// down can catch up. Errors: organization_not_found, forbidden, validation_error.
func (s *Service) ListEvents(ctx context.Context, p domain.Principal, orgID int64, q domain.EventQuery) (domain.Page[domain.Event], error) {
	if _, _, err := s.authorizeRead(ctx, p, orgID, domain.ActionEventRead); err != nil {
		return domain.Page[domain.Event]{}, err
	}
	q.OrganizationID = &orgID
	return s.listEvents(ctx, q)
}

// ListAllEvents pages through every event, platform ones included (superadmins).
// Errors: forbidden, validation_error.
func (s *Service) ListAllEvents(ctx context.Context, p domain.Principal, q domain.EventQuery) (domain.Page[domain.Event], error) {
	if !s.Can(p, domain.ActionEventReadAll, "") {
		return domain.Page[domain.Event]{}, domain.ErrForbidden
	}
	return s.listEvents(ctx, q)
}

func (s *Service) listEvents(ctx context.Context, q domain.EventQuery) (domain.Page[domain.Event], error) {
	q, err := q.Normalize()
	if err != nil {
		return domain.Page[domain.Event]{}, err
	}
	page, err := s.uow.Events().List(ctx, q)
	return page, wrap("list events", err)
}

// owner is the stored owner of an endpoint: nil for the platform (orgID 0).
func owner(orgID int64) *int64 {
	if orgID == 0 {
		return nil
	}
	return &orgID
}
