package app

import (
	"log/slog"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
)

type stepClock struct{ now atomic.Int64 }

func (c *stepClock) Now() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *stepClock) advance(d time.Duration) { c.now.Add(int64(d)) }

func newTestCache(ttl time.Duration) (*accessCache, *stepClock) {
	clock := &stepClock{}
	clock.now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return newAccessCache(ttl, clock, nil, slog.Default()), clock
}

var alice = domain.User{ID: 7, Subject: "alice"}

func TestAccessCache_ExpiresAfterTTL(t *testing.T) {
	c, clock := newTestCache(2 * time.Second)
	c.putUser(alice, c.generation())
	c.putRole(alice.ID, 10, domain.RoleAdmin, c.generation())
	c.putOrg(domain.Organization{ID: 10}, c.generation())
	clock.advance(2*time.Second - time.Nanosecond)
	if _, ok := c.user("alice"); !ok {
		t.Fatal("user gone before the TTL")
	}
	if r, ok := c.role(alice.ID, 10); !ok || r != domain.RoleAdmin {
		t.Fatalf("role before the TTL: %q %v", r, ok)
	}
	clock.advance(time.Nanosecond)
	if _, ok := c.user("alice"); ok {
		t.Fatal("user served at the TTL")
	}
	if _, ok := c.role(alice.ID, 10); ok {
		t.Fatal("role served at the TTL")
	}
	if _, ok := c.org(10); ok {
		t.Fatal("organization served at the TTL")
	}
}

// A load that began before an invalidation must not store what it read: it may be the
// state the invalidated change replaced.
func TestAccessCache_LoadRacingAnInvalidationIsNotKept(t *testing.T) {
	c, _ := newTestCache(time.Minute)
	c.putUser(alice, c.generation())
	gen := c.generation() // a load starts reading
	c.forget(t.Context(), staleness{orgs: []int64{10}, users: []int64{alice.ID}})
	c.putOrg(domain.Organization{ID: 10, Status: domain.StatusActive}, gen)
	c.putUser(alice, gen)
	if _, ok := c.org(10); ok {
		t.Error("an organization read before the invalidation was kept")
	}
	if _, ok := c.user("alice"); ok {
		t.Error("a user read before the invalidation was kept")
	}
	c.putUser(alice, c.generation())
	if _, ok := c.user("alice"); !ok {
		t.Error("a load after the invalidation was not kept")
	}
}

func TestAccessCache_ForgetDropsWhatItNames(t *testing.T) {
	c, _ := newTestCache(time.Minute)
	bob := domain.User{ID: 8, Subject: "bob"}
	for _, u := range []domain.User{alice, bob} {
		c.putUser(u, c.generation())
		c.putOrgIDs(u.ID, []int64{10, 11}, c.generation())
	}
	c.putOrg(domain.Organization{ID: 10}, c.generation())
	c.putOrg(domain.Organization{ID: 11}, c.generation())
	c.forget(t.Context(), staleness{orgs: []int64{10}, users: []int64{alice.ID}})
	if _, ok := c.user("alice"); ok {
		t.Error("alice kept")
	}
	if _, ok := c.orgIDs(alice.ID); ok {
		t.Error("alice's organizations kept")
	}
	if ids, ok := c.orgIDs(bob.ID); !ok || !slices.Equal(ids, []int64{10, 11}) {
		t.Errorf("bob's organizations: %v %v", ids, ok)
	}
	if _, ok := c.org(10); ok {
		t.Error("organization 10 kept")
	}
	if _, ok := c.org(11); !ok {
		t.Error("organization 11 dropped")
	}
	c.forget(t.Context(), staleness{all: true})
	if _, ok := c.user("bob"); ok {
		t.Error("everything: bob kept")
	}
}

func TestAccessCache_Bounded(t *testing.T) {
	c, _ := newTestCache(time.Minute)
	for i := range accessCacheEntries + 100 {
		c.putUser(domain.User{ID: int64(i + 1), Subject: "s" + strconv.Itoa(i)}, c.generation())
		c.putOrg(domain.Organization{ID: int64(i + 1)}, c.generation())
	}
	if len(c.users) != accessCacheEntries || len(c.ids) != accessCacheEntries || len(c.orgs) != accessCacheEntries {
		t.Fatalf("users %d, ids %d, orgs %d; want %d each", len(c.users), len(c.ids), len(c.orgs), accessCacheEntries)
	}
	c.putUser(alice, c.generation())
	for i := range maxCachedRoles + 10 {
		c.putRole(alice.ID, int64(i), domain.RoleMember, c.generation())
	}
	e := c.entry(alice.ID)
	if e == nil {
		t.Fatal("alice's entry is gone")
	}
	if len(e.roles) != maxCachedRoles {
		t.Fatalf("%d roles kept for alice, want exactly %d", len(e.roles), maxCachedRoles)
	}
}

func TestStalenessOf_AuditRecords(t *testing.T) {
	org, actor := int64(10), int64(1)
	got := stalenessOf([]domain.AuditRecord{
		{Action: domain.AuditMemberRemoved, OrganizationID: &org, ActorUserID: &actor, TargetType: "user", TargetID: "7"},
		{Action: domain.AuditSuperadminRevoked, TargetType: "user", TargetID: "8"},
		{Action: domain.AuditAPIKeyCreated, OrganizationID: &org, TargetType: "api_key", TargetID: "3"},
	})
	if got.all || !slices.Equal(got.orgs, []int64{10, 10}) || !slices.Equal(got.users, []int64{1, 7, 8}) {
		t.Fatalf("%+v", got)
	}
	if !stalenessOf([]domain.AuditRecord{{Action: domain.AuditOrganizationDeleted, OrganizationID: &org}}).all {
		t.Fatal("a deleted organization must drop everything (its members' roles and current organization)")
	}
}

func TestStaleness_EncodeDecode(t *testing.T) {
	for _, s := range []staleness{{all: true}, {orgs: []int64{1, 2}}, {users: []int64{3}}, {orgs: []int64{4}, users: []int64{5, 6}}} {
		got, ok := decodeStaleness(s.encode())
		if !ok || got.all != s.all || !slices.Equal(got.orgs, s.orgs) || !slices.Equal(got.users, s.users) {
			t.Errorf("%+v -> %q -> %+v %v", s, s.encode(), got, ok)
		}
	}
	for _, bad := range []string{"", "x:1", "o:", "o:a", "o:1;u"} {
		if _, ok := decodeStaleness(bad); ok {
			t.Errorf("%q decoded", bad)
		}
	}
	c, _ := newTestCache(time.Minute)
	c.putUser(alice, c.generation())
	c.receive("garbage") // a message this release cannot read drops everything
	if _, ok := c.user("alice"); ok {
		t.Fatal("an unreadable message kept the cache")
	}
}
