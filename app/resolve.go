package app

import (
	"context"
	"errors"
	"hash/maphash"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Resolve cache defaults: an organization found is kept 5 minutes, nothing found 30
// seconds, so a flood of random names reaches the database once per name and half-minute.
const (
	DefaultResolveTTL         = 5 * time.Minute
	DefaultResolveNegativeTTL = 30 * time.Second
	// DefaultRedeleteAfter is longer than a resolve's database read, which is what a stale
	// write from another replica waits on.
	DefaultRedeleteAfter = time.Second
	// cacheBackoff is how long resolve skips a cache that failed, so a down Redis costs each
	// request nothing instead of a timeout.
	cacheBackoff = time.Second
)

// ResolveStats count what resolve did since the service started.
type ResolveStats struct {
	Hits   int64 // answered from the cache
	Loads  int64 // database queries made
	Errors int64 // cache failures (each fell back to the database)
}

// resolver is resolve's cache in front of the database: concurrent misses of one key make
// one query (singleflight), answers of nothing are cached too (negatively), and an answer
// loaded while an invalidation ran is not cached (it may predate the change).
type resolver struct {
	cache       ports.ResolveCache
	ttl, negTTL time.Duration
	redelete    time.Duration
	log         *slog.Logger
	flight      singleflight.Group
	generations [256]atomic.Uint64 // by hash of key: bumped by invalidations of the keys that hash there
	skipUntil   atomic.Int64       // unix nanoseconds: the cache failed, do without it until then
	hits, loads atomic.Int64
	errs        atomic.Int64
	metrics     ports.Metrics
}

func newResolver(c ports.ResolveCache, cfg ResolveConfig, log *slog.Logger, m ports.Metrics) *resolver {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultResolveTTL
	}
	if cfg.NegativeTTL <= 0 {
		cfg.NegativeTTL = DefaultResolveNegativeTTL
	}
	if cfg.RedeleteAfter == 0 {
		cfg.RedeleteAfter = DefaultRedeleteAfter
	}
	return &resolver{cache: c, ttl: cfg.TTL, negTTL: cfg.NegativeTTL, redelete: cfg.RedeleteAfter, log: log, metrics: m}
}

// ResolveSlug returns the public face of the active organization with slug, for a page
// served on a platform subdomain. Errors: organization_not_found (unknown, suspended or
// archived: one answer whatever the reason), validation_error (not text).
func (s *Service) ResolveSlug(ctx context.Context, slug string) (domain.PublicOrganization, error) {
	slug, err := domain.NormalizeSlug(slug)
	if err != nil {
		return domain.PublicOrganization{}, err
	}
	return s.resolver.resolve(ctx, slugKey(slug), func(ctx context.Context) (domain.PublicOrganization, error) {
		return s.uow.Organizations().PublicBySlug(ctx, slug)
	})
}

// ResolveDomain returns the public face of the active organization whose verified custom
// domain is name (normalized like AddDomain's). Errors: organization_not_found (no such
// verified domain, or the organization is not active).
func (s *Service) ResolveDomain(ctx context.Context, name string) (domain.PublicOrganization, error) {
	name, err := parseDomainName(name)
	if err != nil {
		return domain.PublicOrganization{}, domain.ErrOrganizationNotFound
	}
	return s.resolver.resolve(ctx, domainKey(name), func(ctx context.Context) (domain.PublicOrganization, error) {
		return s.uow.Domains().PublicOrganization(ctx, name)
	})
}

// ResolveHost resolves the Host a frontend was asked for: <slug>.<base> for one of the
// platform's base domains by slug, any other name as a verified custom domain, so the
// frontend makes one call whatever the host name. A port is ignored.
// Errors: organization_not_found.
func (s *Service) ResolveHost(ctx context.Context, host string) (domain.PublicOrganization, error) {
	host = domain.HostWithoutPort(host)
	if slug, ok := domain.SlugOfHost(host, s.domains.PlatformDomains); ok {
		if slug == "" {
			return domain.PublicOrganization{}, domain.ErrOrganizationNotFound
		}
		org, err := s.ResolveSlug(ctx, slug)
		if domain.CodeOf(err) == domain.CodeValidation {
			err = domain.ErrOrganizationNotFound
		}
		return org, err
	}
	return s.ResolveDomain(ctx, host)
}

// ResolveStats reports the resolve cache's counters, for operators and benchmarks.
func (s *Service) ResolveStats() ResolveStats {
	r := s.resolver
	return ResolveStats{Hits: r.hits.Load(), Loads: r.loads.Load(), Errors: r.errs.Load()}
}

func (r *resolver) resolve(ctx context.Context, key string, load func(context.Context) (domain.PublicOrganization, error)) (domain.PublicOrganization, error) {
	if e, ok := r.get(ctx, key); ok {
		r.hits.Add(1)
		if e.Org == nil {
			r.metrics.ResolveCache(ports.CacheNegativeHit)
			return domain.PublicOrganization{}, domain.ErrOrganizationNotFound
		}
		r.metrics.ResolveCache(ports.CacheHit)
		return *e.Org, nil
	}
	r.metrics.ResolveCache(ports.CacheMiss)
	// A load joins only flights that started after the last invalidation: one that started
	// before may carry the answer the invalidation dropped.
	gen := r.generation(key).Load()
	ch := r.flight.DoChan(key+"\x00"+strconv.FormatUint(gen, 10), func() (any, error) {
		// The load serves every caller waiting on the key: the first one's cancellation must
		// not fail the others.
		return r.load(context.WithoutCancel(ctx), key, gen, load)
	})
	select {
	case <-ctx.Done(): // a hung query holds the flight, not every caller
		return domain.PublicOrganization{}, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return domain.PublicOrganization{}, res.Err
		}
		if e := res.Val.(ports.ResolveEntry); e.Org != nil {
			return *e.Org, nil
		}
		return domain.PublicOrganization{}, domain.ErrOrganizationNotFound
	}
}

// load queries the database and caches the answer, unless an invalidation ran since gen was
// read: then the answer may predate the change. An invalidation that runs between the check
// and the write is caught by the check after it, which drops what was written.
func (r *resolver) load(ctx context.Context, key string, gen uint64, load func(context.Context) (domain.PublicOrganization, error)) (any, error) {
	r.loads.Add(1)
	org, err := load(ctx)
	var e ports.ResolveEntry
	switch {
	case err == nil:
		e.Org = &org
	case !errors.Is(err, domain.ErrOrganizationNotFound):
		return e, err
	}
	if r.generation(key).Load() != gen {
		return e, nil
	}
	r.set(ctx, key, e)
	if r.generation(key).Load() != gen {
		r.drop(ctx, key)
	}
	return e, nil
}

func (r *resolver) usable() bool {
	if r.cache == nil {
		return false
	}
	skip := r.skipUntil.Load() // zero until the cache first fails: no clock read on the hot path
	return skip == 0 || time.Now().UnixNano() >= skip
}

func (r *resolver) get(ctx context.Context, key string) (ports.ResolveEntry, bool) {
	if !r.usable() {
		return ports.ResolveEntry{}, false
	}
	e, ok, err := r.cache.Get(ctx, key)
	if err != nil {
		r.failed(ctx, "get", err)
		return ports.ResolveEntry{}, false
	}
	return e, ok
}

func (r *resolver) set(ctx context.Context, key string, e ports.ResolveEntry) {
	if !r.usable() {
		return
	}
	ttl := r.ttl
	if e.Org == nil {
		ttl = r.negTTL
	}
	if err := r.cache.Set(ctx, key, e, ttl); err != nil {
		r.failed(ctx, "set", err)
	}
}

// failed notes a cache failure: resolve does without the cache for a moment, and says so
// once per moment instead of once per request.
func (r *resolver) failed(ctx context.Context, op string, err error) {
	r.errs.Add(1)
	now := time.Now().UnixNano()
	prev := r.skipUntil.Load()
	if now >= prev && r.skipUntil.CompareAndSwap(prev, now+int64(cacheBackoff)) {
		r.log.WarnContext(ctx, "resolve cache failed: answering from the database", slog.String("op", op), slog.Any("error", err))
	}
}

// invalidate drops the resolve answers of keys after a committed change, and again
// ResolveConfig.RedeleteAfter later: a replica sharing the cache (Redis) that read the database just
// before the commit may write its old answer after the first delete; the second one removes
// it. Loads in this process that started before it leave their answer uncached. A failure is
// logged: the entries then age out with their TTL.
func (s *Service) invalidate(ctx context.Context, keys ...string) {
	r := s.resolver
	r.bump(keys)
	if r.cache == nil || len(keys) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	r.drop(ctx, keys...)
	if r.redelete < 0 {
		return
	}
	time.AfterFunc(r.redelete, func() {
		r.bump(keys)
		r.drop(ctx, keys...)
	})
}

func (r *resolver) drop(ctx context.Context, keys ...string) {
	if err := r.cache.Delete(ctx, keys...); err != nil {
		r.errs.Add(1)
		r.log.ErrorContext(ctx, "resolve cache invalidation failed: stale answers age out with their TTL",
			slog.Any("keys", keys), slog.Any("error", err))
	}
}

// generationSeed makes key stripes the same for the life of the process.
var generationSeed = maphash.MakeSeed()

// generation is the counter of key's stripe: an invalidation of one key leaves loads of
// unrelated keys cacheable, as a single counter would not.
func (r *resolver) generation(key string) *atomic.Uint64 {
	return &r.generations[maphash.String(generationSeed, key)%uint64(len(r.generations))]
}

func (r *resolver) bump(keys []string) {
	for _, k := range keys {
		r.generation(k).Add(1)
	}
}
