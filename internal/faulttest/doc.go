// Package faulttest holds tests only: the built orgkit binary keeps running while the
// services it depends on (a private Postgres, a private Redis, a DNS server, an SMTP server,
// a webhook receiver, all started by the tests on loopback) stop and come back. They show
// what issue 14 asks: 503 service_unavailable while a dependency is down, recovery without
// restarting orgkit, nothing half-written and nothing lost.
package faulttest
