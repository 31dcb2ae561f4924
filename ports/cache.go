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
