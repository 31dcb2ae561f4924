// Package cache implements ports.ResolveCache with eko/gocache: Memory keeps resolve
// answers in the process (the default), Redis keeps them in a Redis shared by every replica
// so that an invalidation reaches all of them. RedisBus (ports.InvalidationBus) carries the
// access cache's invalidations between replicas over Redis pub/sub.
package cache
