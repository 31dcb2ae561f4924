package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	noEnv := func(string) string { return "" }
	t.Run("defaults", func(t *testing.T) {
		o, err := parseOptions(nil, noEnv)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(o.databases, []string{sqliteDB, postgresDB}) || o.pg != defaultPostgresDSN || o.orgs != 150 ||
			o.connections != 32 || o.passes != 3 || o.duration != 5*time.Second {
			t.Fatalf("got %+v", o)
		}
		// Nine rows on SQLite, eight on Postgres, 18 s each: well under the 8 minutes allowed.
		if total := loadTime(o, sqliteDB) + loadTime(o, postgresDB); total != 17*18*time.Second {
			t.Fatalf("load time %v", total)
		}
	})
	t.Run("pg from the environment", func(t *testing.T) {
		env := func(k string) string {
			if k == "ORGKIT_BENCH_POSTGRES_DSN" {
				return "postgres://u@db:5432/x"
			}
			return ""
		}
		if o, err := parseOptions(nil, env); err != nil || o.pg != "postgres://u@db:5432/x" {
			t.Fatalf("got %q %v", o.pg, err)
		}
	})
	t.Run("pg off", func(t *testing.T) {
		if o, err := parseOptions([]string{"-pg=off"}, noEnv); err != nil || !slices.Equal(o.databases, []string{sqliteDB}) {
			t.Fatalf("got %v %v", o.databases, err)
		}
	})
	t.Run("postgres alone may run long passes", func(t *testing.T) {
		if _, err := parseOptions([]string{"-databases", "postgres", "-d", "30s"}, noEnv); err != nil {
			t.Fatal(err)
		}
	})
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"nothing left":         {[]string{"-databases", "postgres", "-pg", "off"}, "no database left"},
		"unknown database":     {[]string{"-databases", "sqlite,mysql"}, "want sqlite, postgres"},
		"database twice":       {[]string{"-databases", "sqlite,sqlite"}, "twice"},
		"one page of orgs":     {[]string{"-orgs", "100"}, "-orgs"},
		"fractional seconds":   {[]string{"-d", "1500ms"}, "whole seconds"},
		"outlives the TTL":     {[]string{"-d", "10s"}, "-negative-ttl"},
		"profile of the floor": {[]string{"-cpuprofile-scenario", "floor"}, "want one of"},
		"stray argument":       {[]string{"extra"}, "unexpected arguments"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parseOptions(tc.args, noEnv); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestProfileFile(t *testing.T) {
	for _, tc := range []struct {
		file    string
		several bool
		want    string
	}{{"cpu.pprof", false, "cpu.pprof"}, {"cpu.pprof", true, "cpu.postgres.pprof"}, {"/tmp/cpu", true, "/tmp/cpu.postgres"}} {
		if got := profileFile(tc.file, postgresDB, tc.several); got != tc.want {
			t.Errorf("profileFile(%q, %t) = %q, want %q", tc.file, tc.several, got, tc.want)
		}
	}
}
