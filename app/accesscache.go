package app

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// DefaultAccessCacheTTL bounds how long a replica may act on what it read about a caller
// (their user row, their roles) or an organization (its status) after another replica
// changed it and the invalidation did not arrive.
const DefaultAccessCacheTTL = 2 * time.Second

// publishTimeout bounds telling the other replicas of a change.
const publishTimeout = 2 * time.Second

// accessCacheEntries bounds each of the cache's maps: a full map drops an arbitrary entry.
const accessCacheEntries = 50_000

// accessCache keeps what every authenticated request reads — the caller by token subject,
// their roles, the organizations they act in — so that a warm read makes no query. It is
// only ever read outside transactions: writes authorize against the database inside theirs.
//
// Every committed change drops what it touched (forget, fed by the audit records of the
// change) in this process at once and, through the bus, on every replica; the TTL bounds
// staleness when a message is lost. A load that raced an invalidation is not kept: loads
// note the generation before reading and put only while it is unchanged, under the lock
// invalidations take.
type accessCache struct {
	ttl   time.Duration
	clock ports.Clock
	bus   ports.InvalidationBus // nil: this process only
	log   *slog.Logger
	gen   atomic.Uint64

	mu    sync.RWMutex
	users map[string]*userEntry // by token subject
	ids   map[int64]string      // user id -> subject, to forget by id
	orgs  map[int64]orgEntry
}

// userEntry is one caller: their user row, and what was learnt of their memberships.
type userEntry struct {
	user    domain.User
	expires time.Time
	roles   map[int64]domain.Role // organization id -> role; "" known not to be a member
	orgIDs  []int64               // every membership, sorted; nil until read
}

type orgEntry struct {
	org     domain.Organization
	expires time.Time
}

// newAccessCache returns nil (no caching) for a non-positive ttl.
func newAccessCache(ttl time.Duration, clock ports.Clock, bus ports.InvalidationBus, log *slog.Logger) *accessCache {
	if ttl <= 0 {
		return nil
	}
	return &accessCache{ttl: ttl, clock: clock, bus: bus, log: log,
		users: map[string]*userEntry{}, ids: map[int64]string{}, orgs: map[int64]orgEntry{}}
}

// generation is noted before a load and handed to the put that stores its result.
func (c *accessCache) generation() uint64 {
	if c == nil {
		return 0
	}
	return c.gen.Load()
}

func (c *accessCache) user(subject string) (domain.User, bool) {
	if c == nil {
		return domain.User{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.users[subject]
	if e == nil || !c.clock.Now().Before(e.expires) {
		return domain.User{}, false
	}
	return e.user, true
}

func (c *accessCache) putUser(u domain.User, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.users) >= accessCacheEntries {
		c.evictUser()
	}
	c.users[u.Subject] = &userEntry{user: u, expires: c.clock.Now().Add(c.ttl), roles: map[int64]domain.Role{}}
	c.ids[u.ID] = u.Subject
}

// userByID is user by id, for a caller already signed in.
func (c *accessCache) userByID(id int64) (domain.User, bool) {
	if c == nil {
		return domain.User{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.entry(id); e != nil {
		return e.user, true
	}
	return domain.User{}, false
}

// entry returns the live entry of user id; the caller holds mu.
func (c *accessCache) entry(id int64) *userEntry {
	e := c.users[c.ids[id]]
	if e == nil || e.user.ID != id || !c.clock.Now().Before(e.expires) {
		return nil
	}
	return e
}

// role is userID's role in orgID when known; ok is false when it must be read.
func (c *accessCache) role(userID, orgID int64) (domain.Role, bool) {
	if c == nil {
		return "", false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.entry(userID); e != nil {
		r, ok := e.roles[orgID]
		return r, ok
	}
	return "", false
}

// putRole notes a role read from the store; only a cached caller's roles are kept, and a
// bounded number of them.
func (c *accessCache) putRole(userID, orgID int64, r domain.Role, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entry(userID); e != nil && c.gen.Load() == gen && len(e.roles) < maxCachedRoles {
		e.roles[orgID] = r
	}
}

// maxCachedRoles bounds one caller's remembered roles (a superadmin reading many).
const maxCachedRoles = 256

func (c *accessCache) orgIDs(userID int64) ([]int64, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e := c.entry(userID); e != nil && e.orgIDs != nil {
		return slices.Clone(e.orgIDs), true
	}
	return nil, false
}

func (c *accessCache) putOrgIDs(userID int64, ids []int64, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entry(userID); e != nil && c.gen.Load() == gen {
		e.orgIDs = slices.Clone(ids)
	}
}

// org returns the cached organization id with its members_count. Cached values are shared
// between requests and read only: no use case changes an organization it did not read
// in its own transaction.
func (c *accessCache) org(id int64) (domain.Organization, bool) {
	if c == nil {
		return domain.Organization{}, false
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.orgs[id]
	if !ok || !c.clock.Now().Before(e.expires) {
		return domain.Organization{}, false
	}
	return e.org, true
}

func (c *accessCache) putOrg(o domain.Organization, gen uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen.Load() != gen {
		return
	}
	if len(c.orgs) >= accessCacheEntries {
		for id := range c.orgs { // an arbitrary one: map order is random
			delete(c.orgs, id)
			break
		}
	}
	c.orgs[o.ID] = orgEntry{org: o, expires: c.clock.Now().Add(c.ttl)}
}

func (c *accessCache) evictUser() {
	for subject, e := range c.users {
		delete(c.users, subject)
		delete(c.ids, e.user.ID)
		return
	}
}

// staleness is what one committed change makes stale: the organizations and users it
// touched, or everything (an organization deleted: its members' roles and current
// organization).
type staleness struct {
	all   bool
	orgs  []int64
	users []int64
}

// stalenessOf reads the audit records of a change. Every change that can alter access is
// audited (a membership, a role, a status, a superadmin grant, an email moved), so they are
// the one source: a record drops its organization, its target user and its actor (whose
// memberships a join or a created organization changed).
func stalenessOf(records []domain.AuditRecord) staleness {
	var s staleness
	for _, r := range records {
		if r.Action == domain.AuditOrganizationDeleted {
			return staleness{all: true}
		}
		if r.OrganizationID != nil {
			s.orgs = append(s.orgs, *r.OrganizationID)
		}
		if r.ActorUserID != nil {
			s.users = append(s.users, *r.ActorUserID)
		}
		if r.TargetType == "user" {
			if id, err := strconv.ParseInt(r.TargetID, 10, 64); err == nil {
				s.users = append(s.users, id)
			}
		}
	}
	return s
}

func (s staleness) empty() bool { return !s.all && len(s.orgs) == 0 && len(s.users) == 0 }

// forget drops what s names here and publishes it to the other replicas. A lost message
// costs at most the TTL, so a publishing error is logged, not returned.
func (c *accessCache) forget(ctx context.Context, s staleness) {
	if c == nil || s.empty() {
		return
	}
	c.apply(s)
	if c.bus == nil {
		return
	}
	// The change is committed even when its caller has gone: tell the others regardless.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publishTimeout)
	defer cancel()
	if err := c.bus.Publish(ctx, s.encode()); err != nil {
		c.log.WarnContext(ctx, "access cache: invalidation not published; other replicas catch up within the TTL",
			slog.Duration("ttl", c.ttl), slog.Any("error", err))
	}
}

// apply drops what s names in this process.
func (c *accessCache) apply(s staleness) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen.Add(1)
	if s.all {
		clear(c.users)
		clear(c.ids)
		clear(c.orgs)
		return
	}
	for _, id := range s.orgs {
		delete(c.orgs, id)
	}
	for _, id := range s.users {
		if subject, ok := c.ids[id]; ok {
			delete(c.users, subject)
			delete(c.ids, id)
		}
	}
}

// receive applies a message another replica published; one that cannot be read drops
// everything, the safe reading.
func (c *accessCache) receive(msg string) {
	s, ok := decodeStaleness(msg)
	if !ok {
		s = staleness{all: true}
	}
	c.apply(s)
}

// encode is the bus message: "*" for everything, else "o:1,2;u:3" (either part optional).
func (s staleness) encode() string {
	if s.all {
		return "*"
	}
	var b strings.Builder
	list := func(prefix string, ids []int64) {
		if len(ids) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteByte(';')
		}
		b.WriteString(prefix)
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(id, 10))
		}
	}
	list("o:", s.orgs)
	list("u:", s.users)
	return b.String()
}

func decodeStaleness(msg string) (staleness, bool) {
	if msg == "*" {
		return staleness{all: true}, true
	}
	var s staleness
	for part := range strings.SplitSeq(msg, ";") {
		kind, list, ok := strings.Cut(part, ":")
		if !ok || (kind != "o" && kind != "u") {
			return s, false
		}
		for field := range strings.SplitSeq(list, ",") {
			id, err := strconv.ParseInt(field, 10, 64)
			if err != nil {
				return s, false
			}
			if kind == "o" {
				s.orgs = append(s.orgs, id)
			} else {
				s.users = append(s.users, id)
			}
		}
	}
	return s, true
}

// FollowInvalidations applies the other replicas' invalidations until ctx ends (Kit.Run
// calls it). Without it, or without a bus, a change made elsewhere reaches this replica's
// access cache within its TTL. A subscription that was (re)established drops everything,
// since what was published meanwhile is lost.
func (s *Service) FollowInvalidations(ctx context.Context) error {
	c := s.access
	if c == nil || c.bus == nil {
		<-ctx.Done()
		return nil
	}
	return c.bus.Subscribe(ctx, c.receive, func() { c.apply(staleness{all: true}) })
}
