package cache_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/orgkit/orgkit/adapters/cache"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// BenchmarkMemoryGet reads a warm cache from every P at once, as resolve does on every page
// load: hits on organizations, hits on negative entries, misses, and, for comparison, the
// same hits through gocache's cache.Cache (the path Memory.Get avoids).
func BenchmarkMemoryGet(b *testing.B) {
	const nkeys = 4096
	ctx := context.Background()
	m := cache.NewMemory(cache.DefaultMaxEntries)
	orgs, negs, absent := make([]string, nkeys), make([]string, nkeys), make([]string, nkeys)
	for i := range nkeys {
		orgs[i] = "slug:org-" + strconv.Itoa(i)
		negs[i] = "domain:unknown-" + strconv.Itoa(i) + ".example.com"
		absent[i] = "slug:absent-" + strconv.Itoa(i)
		org := &domain.PublicOrganization{ID: int64(i), Name: "Org", Slug: orgs[i][len("slug:"):], LogoURL: ptr("https://cdn.example.com/logo.png")}
		for k, e := range map[string]ports.ResolveEntry{orgs[i]: {Org: org}, negs[i]: {}} {
			if err := m.Set(ctx, k, e, longTTL); err != nil {
				b.Fatal(err)
			}
		}
	}
	get := func(keys []string, wantOK, wantOrg bool) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := rand.IntN(nkeys) // each goroutine walks the keys from its own place
				for pb.Next() {
					e, ok, err := m.Get(ctx, keys[i%nkeys])
					if err != nil || ok != wantOK || (e.Org != nil) != wantOrg {
						b.Errorf("Get %q = %v, %v, %v", keys[i%nkeys], e, ok, err)
						return
					}
					i++
				}
			})
		}
	}
	b.Run("hit", get(orgs, true, true))
	b.Run("negative", get(negs, true, false))
	b.Run("miss", get(absent, false, false))
	b.Run("hit_through_gocache_cache", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := rand.IntN(nkeys)
			for pb.Next() {
				if e, err := cache.GetThroughGocache(ctx, m, orgs[i%nkeys]); err != nil || e.Org == nil {
					b.Errorf("Get %q = %v, %v", orgs[i%nkeys], e, err)
					return
				}
				i++
			}
		})
	})
}
