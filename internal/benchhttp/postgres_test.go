package main

import (
	"strings"
	"testing"
)

func TestWithDatabase(t *testing.T) {
	got, err := withDatabase("postgres://postgres:secret@127.0.0.1:5432/test?sslmode=disable", "orgkit_bench_1")
	if want := "postgres://postgres:secret@127.0.0.1:5432/orgkit_bench_1?sslmode=disable"; err != nil || got != want {
		t.Fatalf("got %q %v, want %q", got, err, want)
	}
	if got, err := withDatabase("postgresql://h", "b"); err != nil || got != "postgresql://h/b" {
		t.Fatalf("got %q %v", got, err)
	}
	for _, bad := range []string{"host=127.0.0.1 dbname=test", "mysql://h/db", "postgres:///db"} {
		if _, err := withDatabase(bad, "b"); err == nil {
			t.Errorf("%q: want an error", bad)
		}
	}
}

func TestRedact(t *testing.T) {
	if got := redact("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Errorf("redact kept the password: %q", got)
	}
}
