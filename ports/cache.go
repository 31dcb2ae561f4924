package ports

import (
	"context"
	"time"

	"github.com/orgkit/orgkit/domain"
)

// ResolveEntry is a cached resolve answer: the organization a key resolves to, or, with Org
// nil, the knowledge that it resolves to none (a negative entry).
type ResolveEntry struct {
	Org *domain.PublicOrganization
}

// ResolveCache holds resolve answers by key ("slug:acme", "domain:clinic.example.com"). An
// implementation shared by replicas (Redis) makes Delete reach all of them. Callers treat
// every error as a miss and go to the database: a cache never fails a request.
type ResolveCache interface {
	// Get returns the entry at key; ok is false on a miss.
	Get(ctx context.Context, key string) (e ResolveEntry, ok bool, err error)
	// Set stores e at key for ttl.
	Set(ctx context.Context, key string, e ResolveEntry, ttl time.Duration) error
	// Delete removes the entries at keys; absent keys are not an error.
	Delete(ctx context.Context, keys ...string) error
}

// InvalidationBus carries cache invalidations from the replica that made a change to every
// other replica (Redis pub/sub). Delivery is best effort: a subscriber that may have missed
// messages is told to drop everything, and caches keep a short TTL for what is still lost.
type InvalidationBus interface {
	// Publish sends msg to every subscriber (the publisher's own process may receive it too).
	Publish(ctx context.Context, msg string) error
	// Subscribe calls receive with every message until ctx ends, and resync whenever the
	// subscription is (re)established, since messages sent meanwhile are lost. It returns
	// nil when ctx ends, or the error that ended the subscription.
	Subscribe(ctx context.Context, receive func(msg string), resync func()) error
}
