package cache

import (
	"errors"

	"github.com/eko/gocache/lib/v4/store"
)

// errNonPositiveTTL refuses an entry that would never expire (or already has): a resolve
// answer must go stale eventually, since an invalidation can be lost.
var errNonPositiveTTL = errors.New("cache: ttl must be positive")

// isNotFound reports whether err is a gocache store's miss. Every gocache store wraps its
// miss in store.NotFound, whose Is matches any other store.NotFound.
func isNotFound(err error) bool { return errors.Is(err, store.NotFound{}) }
