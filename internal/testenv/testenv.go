// Package testenv names the real services the integration tests use and decides, in one
// place, what happens when one is not configured: under CI=true the test fails (CI always
// provides them), elsewhere it is skipped with the reason.
package testenv

import (
	"os"
	"testing"
)

// Postgres is ORGKIT_TEST_POSTGRES_DSN, the database the Postgres tests use.
func Postgres(t testing.TB) string { t.Helper(); return require(t, "ORGKIT_TEST_POSTGRES_DSN") }

// Redis is ORGKIT_TEST_REDIS_URL, the Redis the shared-cache and limiter tests use.
func Redis(t testing.TB) string { t.Helper(); return require(t, "ORGKIT_TEST_REDIS_URL") }

// Optional reports whether the variable is set, logging why the test runs without it when
// it is not (and failing under CI=true).
func Optional(t testing.TB, name string) (string, bool) {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set", name)
		}
		t.Logf("%s is not set: running without it (CI sets it)", name)
	}
	return v, v != ""
}

func require(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set", name)
		}
		t.Skipf("%s is not set (CI sets it)", name)
	}
	return v
}
