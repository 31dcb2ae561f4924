package httpapi_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/ratelimit"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// gatedCache holds the first Set of key until released: the Set is issued after the
// resolver's generation check, as a slow Redis SET would be.
type gatedCache struct {
	ports.ResolveCache
	mu               sync.Mutex
	key              string
	arrived, release chan struct{}
	used             bool
}

func (g *gatedCache) Set(ctx context.Context, key string, e ports.ResolveEntry, ttl time.Duration) error {
	g.mu.Lock()
	gate := key == g.key && !g.used
	g.used = g.used || gate
	g.mu.Unlock()
	if gate {
		close(g.arrived)
		<-g.release
	}
	return g.ResolveCache.Set(ctx, key, e, ttl)
}

// A load whose cache write is still in flight when a suspension commits and invalidates
// does not leave the old answer behind.
func TestResolve_StaleWriteAfterSuspend_SameProcess(t *testing.T) {
	var g *gatedCache
	h := newHarness(t, "sqlite", func(d *app.Deps) {
		g = &gatedCache{ResolveCache: d.Cache, key: "slug:victim", arrived: make(chan struct{}), release: make(chan struct{})}
		d.Cache = g
	})
	orgID := h.createOrg("victim")
	done := make(chan response)
	go func() { done <- h.resolve("slug", "victim") }()
	<-g.arrived // loaded while active, generation checked, Set in flight
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, map[string]any{"status": "suspended"}), 200, "")
	close(g.release)
	if r := <-done; r.Status != 200 {
		t.Fatalf("the racing resolve: %d %s", r.Status, r.Raw)
	}
	if r := h.resolve("slug", "victim"); r.Status != 404 {
		t.Errorf("a suspended organization still resolves from the cache: %d %s", r.Status, r.Raw)
	}
}

type gatedUoW struct {
	ports.UnitOfWork
	loaded, release chan struct{}
}
type gatedOrgs struct {
	ports.OrganizationRepo
	g *gatedUoW
}

func (u *gatedUoW) Organizations() ports.OrganizationRepo {
	return gatedOrgs{u.UnitOfWork.Organizations(), u}
}
func (o gatedOrgs) PublicBySlug(ctx context.Context, slug string) (domain.PublicOrganization, error) {
	p, err := o.OrganizationRepo.PublicBySlug(ctx, slug)
	close(o.g.loaded)
	<-o.g.release
	return p, err
}

// Two replicas on one Redis: B reads the row before A's commit, A commits and DELs the key,
// then B SETs its stale answer (B's generation never moved). A's second delete, a moment
// later, removes it.
func TestResolve_StaleWriteAfterSuspend_TwoReplicas(t *testing.T) {
	var shared ports.ResolveCache
	h := newHarness(t, "sqlite", redisCache(t), func(d *app.Deps) { shared = d.Cache })
	orgID := h.createOrg("victim2")
	g := &gatedUoW{UnitOfWork: h.store, loaded: make(chan struct{}), release: make(chan struct{})}
	replicaB := app.New(app.Deps{Store: g, Limiter: ratelimit.NewMemory(time.Now), Cache: shared}, app.Config{})
	done := make(chan error)
	go func() { _, err := replicaB.ResolveSlug(context.Background(), "victim2"); done <- err }()
	<-g.loaded
	expect(t, h.do("PATCH", fmt.Sprintf("/v1/organizations/%d", orgID), rootEmail, map[string]any{"status": "suspended"}), 200, "")
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * app.DefaultRedeleteAfter)
	for {
		r := h.resolve("slug", "victim2")
		if r.Status == 404 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still resolving after the second delete: %d %s", r.Status, r.Raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
