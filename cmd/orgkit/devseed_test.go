package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// TestDevSeed: `orgkit dev seed` migrates, seeds, reports what it made, refuses to seed
// again unless --force, and then adds after what is there.
func TestDevSeed(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			url := gormtest.URL(t, d)
			env := map[string]string{"ORGKIT_DATABASE_URL": url}
			out, err := runCmd(t, env, "dev", "seed", "--orgs", "120", "--members-per-org", "3")
			if err != nil {
				t.Fatalf("seed: %v\n%s", err, out)
			}
			for _, want := range []string{"applied ", "orgkit_memberships", "seeded 120 organizations (ids 1-120), 37 users (ids 1-37), 360 memberships, 12 verified domains in "} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			out, err = runCmd(t, env, "dev", "seed", "--orgs", "5")
			if err == nil || !errors.Is(err, gormstore.ErrSeedNotEmpty) || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("seed of a seeded database: %v\n%s", err, out)
			}
			out, err = runCmd(t, env, "dev", "seed", "--orgs", "5", "--members-per-org", "1", "--force")
			if err != nil || !strings.Contains(out, "seeded 5 organizations (ids 121-125), 1 users (ids 38-38), 5 memberships, 1 verified domains") {
				t.Fatalf("forced seed: %v\n%s", err, out)
			}
			s := gormtest.OpenURL(t, url)
			for table, want := range map[string]int64{"orgkit_organizations": 125, "orgkit_users": 38, "orgkit_memberships": 365, "orgkit_domains": 13} {
				var n int64
				db, err := s.SQLDB()
				if err != nil {
					t.Fatal(err)
				}
				if err := db.QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != want {
					t.Errorf("%s: %d rows (%v), want %d", table, n, err, want)
				}
			}
		})
	}
}

func TestDevSeed_Usage(t *testing.T) {
	env := map[string]string{"ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite)}
	for _, args := range [][]string{{"dev"}, {"dev", "sow"}, {"dev", "seed"}, {"dev", "seed", "--orgs", "0"}, {"dev", "seed", "--orgs", "3", "--members-per-org", "-1"}, {"dev", "seed", "extra", "--orgs", "3"}} {
		if out, err := runCmd(t, env, args...); !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error\n%s", args, err, out)
		}
	}
}
