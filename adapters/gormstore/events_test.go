package gormstore_test

import (
	"context"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

// unicodePayload has multi-byte characters and an escaped NUL, which JSONB would rewrite
// (or refuse) and which must come back byte for byte.
const unicodePayload = `{"id":"evt_u","data":{"name":"Café ✓ 日本 🚀","nul":"\u0000","esc":"\"\\/\u00e9"}, "spaced" : 1 }`

// mustEvent stores an event of org (nil: the platform) with a unique public id.
func mustEvent(t *testing.T, s *gormstore.Store, org *int64, typ string, at time.Time) domain.Event {
	t.Helper()
	n := eventSeq.Add(1)
	ev, err := s.Events().Add(context.Background(), domain.Event{PublicID: fmt.Sprintf("evt_%d", n), Type: typ,
		OrganizationID: org, Payload: []byte(fmt.Sprintf(`{"n":%d}`, n)), CreatedAt: at})
	if err != nil {
		t.Fatalf("add event %s: %v", typ, err)
	}
	return ev
}

// eventSeq numbers events across parallel subtests.
var eventSeq atomic.Int64

func eventIDs(items []domain.Event) []int64 {
	ids := []int64{}
	for _, e := range items {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestEventRepo_AddList(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a, b := mustCreate(t, s.Organizations(), newOrg("acme")).ID, mustCreate(t, s.Organizations(), newOrg("beta")).ID
		actor, email := int64(42), "ann@example.com"
		// Finer than a microsecond: stored (and returned) truncated, as both databases keep it.
		first, err := s.Events().Add(ctx, domain.Event{PublicID: "evt_first", Type: "organization.created", OrganizationID: &a,
			ActorUserID: &actor, ActorEmail: &email, Payload: []byte(unicodePayload), CreatedAt: t0.Add(789 * time.Nanosecond).In(time.FixedZone("X", 3600))})
		if err != nil {
			t.Fatal(err)
		}
		if first.ID == 0 || !first.CreatedAt.Equal(t0) || first.CreatedAt.Location() != time.UTC || string(first.Payload) != unicodePayload {
			t.Fatalf("add: %+v", first)
		}
		a2 := mustEvent(t, s, &a, "member.added", t0.Add(time.Second))
		b1 := mustEvent(t, s, &b, "organization.created", t0.Add(2*time.Second))
		p1 := mustEvent(t, s, nil, "superadmin.granted", t0.Add(3*time.Second))
		a3 := mustEvent(t, s, &a, "member.added", t0.Add(4*time.Second))

		list := func(q domain.EventQuery) domain.Page[domain.Event] {
			t.Helper()
			q, err := q.Normalize()
			if err != nil {
				t.Fatal(err)
			}
			page, err := s.Events().List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return page
		}
		for _, c := range []struct {
			name  string
			q     domain.EventQuery
			want  []domain.Event
			total int64
		}{
			{"organization", domain.EventQuery{OrganizationID: &a}, []domain.Event{a3, a2, first}, 3},
			{"organization and type", domain.EventQuery{OrganizationID: &a, Type: "member.added"}, []domain.Event{a3, a2}, 2},
			{"other organization", domain.EventQuery{OrganizationID: &b}, []domain.Event{b1}, 1},
			{"type nobody raised", domain.EventQuery{OrganizationID: &b, Type: "member.added"}, nil, 0},
			{"every event", domain.EventQuery{}, []domain.Event{a3, p1, b1, a2, first}, 5},
			{"every event of a type", domain.EventQuery{Type: "organization.created"}, []domain.Event{b1, first}, 2},
			{"second page", domain.EventQuery{Page: 2, PageSize: 2}, []domain.Event{b1, a2}, 5},
			{"last page", domain.EventQuery{Page: 3, PageSize: 2}, []domain.Event{first}, 5},
			{"past the end", domain.EventQuery{Page: 4, PageSize: 2}, nil, 5},
		} {
			page := list(c.q)
			if page.Total != c.total || fmt.Sprint(eventIDs(page.Items)) != fmt.Sprint(eventIDs(c.want)) {
				t.Errorf("%s: total %d ids %v, want %d %v", c.name, page.Total, eventIDs(page.Items), c.total, eventIDs(c.want))
			}
		}
		// What List returns is what Add returned, the payload byte for byte.
		got := list(domain.EventQuery{OrganizationID: &a, PageSize: 100}).Items
		if len(got) != 3 || !reflect.DeepEqual(got[2], first) || !reflect.DeepEqual(got[0], a3) {
			t.Fatalf("listed %+v\nwant %+v", got, first)
		}
		if string(got[2].Payload) != unicodePayload {
			t.Fatalf("payload changed:\n%s\nwant\n%s", got[2].Payload, unicodePayload)
		}
	})
}

// TestEventRepo_AddRefusesUnstorablePayloads: a payload a TEXT column would change or
// refuse is an error, not silently altered.
func TestEventRepo_AddRefusesUnstorablePayloads(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		for i, p := range []string{"", "{", "{\"a\":\"\x00\"}", "{\"a\":\"\xff\"}"} {
			_, err := s.Events().Add(context.Background(), domain.Event{PublicID: fmt.Sprintf("evt_bad_%d", i),
				Type: "organization.created", Payload: []byte(p), CreatedAt: t0})
			if err == nil {
				t.Errorf("payload %q stored", p)
			}
		}
		if page, err := s.Events().List(context.Background(), domain.EventQuery{Page: 1, PageSize: 10}); err != nil || page.Total != 0 {
			t.Fatalf("list: %d %v, want nothing stored", page.Total, err)
		}
	})
}
