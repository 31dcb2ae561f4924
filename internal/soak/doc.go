// Package soak runs three replicas of the built orgkit binary on one fresh Postgres database
// and one Redis, behind a load generator that is also their load balancer, and checks what
// must hold across replicas: rate limits, cache invalidations, background domain re-checks,
// webhook delivery, and a rolling restart that drops no request. The test is TestSoak;
// ORGKIT_SOAK_DURATION sets how long the load runs (`make soak`: 3 minutes).
package soak
