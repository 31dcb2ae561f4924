package ports

import (
	"context"

	"github.com/orgkit/orgkit/domain"
)

// Sealer encrypts API keys at rest (AES-256-GCM with a key ring).
type Sealer interface {
	// Seal encrypts plaintext bound to aad with the active key; the result records the key id.
	Seal(plaintext, aad []byte) ([]byte, error)
	// Open decrypts sealed with the key it records. Any change to sealed or a different aad is
	// an error, never garbage; so is a key id no longer in the ring.
	Open(sealed, aad []byte) ([]byte, error)
	// ActiveKeyID names the key Seal uses.
	ActiveKeyID() string
	// KeyID names the key that sealed a ciphertext.
	KeyID(sealed []byte) (string, error)
}

// RateLimiter counts events per key in a rolling window, shared by every replica when it is
// backed by Redis.
type RateLimiter interface {
	// Allow records one event under key when fewer than limit.Max happened in the last
	// limit.Window and answers the quota either way. An error means the limiter cannot decide
	// (e.g. Redis is down); callers fail closed.
	Allow(ctx context.Context, key string, limit domain.Limit) (domain.Quota, error)
}
