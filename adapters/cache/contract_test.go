package cache_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// contractTTL is the lifetime of the entries the expiry case waits out: short enough to keep
// the suite fast, long enough for a Get right after the Set to land before it under -race.
const contractTTL = 300 * time.Millisecond

// longTTL outlives every test.
const longTTL = time.Hour

func ptr(s string) *string { return &s }

// fullOrg has every field set; bareOrg has every pointer nil.
func fullOrg() *domain.PublicOrganization {
	return &domain.PublicOrganization{ID: 42, Name: "Acme Clinic", Slug: "acme", LogoURL: ptr("https://cdn.example.com/acme/logo.png"), IconURL: ptr("https://cdn.example.com/acme/icon.png"), LanguageCode: ptr("pt-BR")}
}

func bareOrg() *domain.PublicOrganization {
	return &domain.PublicOrganization{ID: 7, Name: "Bare", Slug: "bare"}
}

// runContract checks the ports.ResolveCache semantics every implementation owes; newCache
// returns an empty cache of its own.
func runContract(t *testing.T, newCache func(t *testing.T) ports.ResolveCache) {
	t.Run("miss", func(t *testing.T) {
		c := newCache(t)
		mustMiss(t, c, "slug:nobody")
	})
	t.Run("positive_roundtrip", func(t *testing.T) {
		c := newCache(t)
		for key, org := range map[string]*domain.PublicOrganization{"slug:acme": fullOrg(), "domain:bare.example.com": bareOrg()} {
			mustSet(t, c, key, ports.ResolveEntry{Org: org}, longTTL)
			mustHitOrg(t, c, key, org)
		}
	})
	t.Run("negative_roundtrip", func(t *testing.T) {
		c := newCache(t)
		mustSet(t, c, "slug:ghost", ports.ResolveEntry{}, longTTL)
		mustHitOrg(t, c, "slug:ghost", nil)
	})
	t.Run("keys_are_exact", func(t *testing.T) {
		c := newCache(t)
		keys := []string{"slug:a", "slug:A", "slug:a ", "domain:clínica.example.com", "", "slug:a:b"}
		for i, k := range keys {
			mustSet(t, c, k, ports.ResolveEntry{Org: &domain.PublicOrganization{ID: int64(i + 1)}}, longTTL)
		}
		for i, k := range keys {
			mustHitOrg(t, c, k, &domain.PublicOrganization{ID: int64(i + 1)})
		}
	})
	t.Run("overwrite", func(t *testing.T) {
		c := newCache(t)
		mustSet(t, c, "slug:acme", ports.ResolveEntry{Org: fullOrg()}, longTTL)
		mustSet(t, c, "slug:acme", ports.ResolveEntry{}, longTTL)
		mustHitOrg(t, c, "slug:acme", nil)
		mustSet(t, c, "slug:acme", ports.ResolveEntry{Org: bareOrg()}, longTTL)
		mustHitOrg(t, c, "slug:acme", bareOrg())
	})
	t.Run("delete", func(t *testing.T) {
		c := newCache(t)
		for _, k := range []string{"slug:a", "slug:b", "slug:c"} {
			mustSet(t, c, k, ports.ResolveEntry{Org: bareOrg()}, longTTL)
		}
		mustSet(t, c, "slug:neg", ports.ResolveEntry{}, longTTL)
		if err := c.Delete(context.Background(), "slug:a", "slug:absent", "slug:neg", "slug:b"); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		for _, k := range []string{"slug:a", "slug:b", "slug:neg", "slug:absent"} {
			mustMiss(t, c, k)
		}
		mustHitOrg(t, c, "slug:c", bareOrg())
		if err := c.Delete(context.Background()); err != nil {
			t.Errorf("Delete of no keys: %v", err)
		}
		if err := c.Delete(context.Background(), "slug:absent"); err != nil {
			t.Errorf("Delete of an absent key: %v", err)
		}
		mustHitOrg(t, c, "slug:c", bareOrg())
	})
	t.Run("expiry", func(t *testing.T) {
		c := newCache(t)
		mustSet(t, c, "slug:short", ports.ResolveEntry{Org: bareOrg()}, contractTTL)
		mustSet(t, c, "slug:short-neg", ports.ResolveEntry{}, contractTTL)
		mustSet(t, c, "slug:long", ports.ResolveEntry{Org: bareOrg()}, longTTL)
		mustHitOrg(t, c, "slug:short", bareOrg())
		mustHitOrg(t, c, "slug:short-neg", nil)
		time.Sleep(contractTTL + 100*time.Millisecond)
		mustMiss(t, c, "slug:short")
		mustMiss(t, c, "slug:short-neg")
		mustHitOrg(t, c, "slug:long", bareOrg())
		mustSet(t, c, "slug:short", ports.ResolveEntry{}, longTTL)
		mustHitOrg(t, c, "slug:short", nil)
	})
	t.Run("non_positive_ttl", func(t *testing.T) {
		c := newCache(t)
		for _, ttl := range []time.Duration{0, -time.Second} {
			if err := c.Set(context.Background(), "slug:forever", ports.ResolveEntry{}, ttl); err == nil {
				t.Errorf("Set with ttl %v: no error", ttl)
			}
		}
		mustMiss(t, c, "slug:forever")
	})
	t.Run("concurrent", func(t *testing.T) {
		runConcurrent(t, newCache(t))
	})
}

// runConcurrent has goroutines set, get and delete a few shared keys. A key k only ever
// holds a negative entry or the organization whose ID is orgID(k), so any other answer is a
// torn or misplaced value.
func runConcurrent(t *testing.T, c ports.ResolveCache) {
	const workers, rounds, nkeys = 8, 200, 5
	key := func(i int) string { return "slug:k" + strconv.Itoa(i%nkeys) }
	orgID := func(k string) int64 { n, _ := strconv.Atoi(k[len("slug:k"):]); return int64(n) + 100 }
	ctx := context.Background()
	errs := make(chan error, workers*rounds*3)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				k := key(w + r)
				var e ports.ResolveEntry
				if r%3 != 0 {
					e.Org = &domain.PublicOrganization{ID: orgID(k), Name: k, Slug: k, LogoURL: ptr(k)}
				}
				if err := c.Set(ctx, k, e, longTTL); err != nil {
					errs <- fmt.Errorf("Set %q: %w", k, err)
				}
				got, ok, err := c.Get(ctx, key(w*r))
				switch {
				case err != nil:
					errs <- fmt.Errorf("Get: %w", err)
				case ok && got.Org != nil && (got.Org.ID != orgID(key(w*r)) || got.Org.Name != key(w*r) || got.Org.LogoURL == nil || *got.Org.LogoURL != key(w*r)):
					errs <- fmt.Errorf("Get %q: %+v", key(w*r), *got.Org)
				}
				if r%7 == 0 {
					if err := c.Delete(ctx, key(r), key(r+1)); err != nil {
						errs <- fmt.Errorf("Delete: %w", err)
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func mustSet(t *testing.T, c ports.ResolveCache, key string, e ports.ResolveEntry, ttl time.Duration) {
	t.Helper()
	if err := c.Set(context.Background(), key, e, ttl); err != nil {
		t.Fatalf("Set %q: %v", key, err)
	}
}

func mustMiss(t *testing.T, c ports.ResolveCache, key string) {
	t.Helper()
	e, ok, err := c.Get(context.Background(), key)
	if err != nil || ok || e.Org != nil {
		t.Errorf("Get %q = %+v, %v, %v; want a miss", key, e, ok, err)
	}
}

// mustHitOrg checks that key holds want, or a negative entry when want is nil.
func mustHitOrg(t *testing.T, c ports.ResolveCache, key string, want *domain.PublicOrganization) {
	t.Helper()
	e, ok, err := c.Get(context.Background(), key)
	if err != nil || !ok {
		t.Errorf("Get %q = _, %v, %v; want a hit", key, ok, err)
		return
	}
	if diff := orgDiff(e.Org, want); diff != "" {
		t.Errorf("Get %q: %s", key, diff)
	}
}

// orgDiff describes how got differs from want, comparing what the pointers point to.
func orgDiff(got, want *domain.PublicOrganization) string {
	if (got == nil) != (want == nil) {
		return fmt.Sprintf("got org %v, want %v", got, want)
	}
	if got == nil {
		return ""
	}
	if got.ID != want.ID || got.Name != want.Name || got.Slug != want.Slug {
		return fmt.Sprintf("got %+v, want %+v", *got, *want)
	}
	for name, p := range map[string][2]*string{"LogoURL": {got.LogoURL, want.LogoURL}, "IconURL": {got.IconURL, want.IconURL}, "LanguageCode": {got.LanguageCode, want.LanguageCode}} {
		if g, w := p[0], p[1]; (g == nil) != (w == nil) || (g != nil && *g != *w) {
			return fmt.Sprintf("%s: got %v, want %v", name, deref(g), deref(w))
		}
	}
	return ""
}

func deref(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
