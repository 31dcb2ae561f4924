package gormstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/internal/testenv"
)

// TestErrors_OrgForeignKeysMatchCatalog: the constraint names dbErr maps to
// organization_not_found are exactly the foreign keys that reference organizations in the
// migrated Postgres schema, so a new migration cannot silently fall through to a 500.
func TestErrors_OrgForeignKeysMatchCatalog(t *testing.T) {
	testenv.Postgres(t)
	s := gormtest.Open(t, gormstore.Postgres)
	db, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(context.Background(), `SELECT conname FROM pg_constraint
		WHERE contype = 'f' AND confrelid = 'orgkit_organizations'::regclass ORDER BY conname`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		got = append(got, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var want []string
	for name := range gormstore.OrgForeignKeys {
		want = append(want, name)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("foreign keys referencing organizations: catalog %v, dbErr knows %v", got, want)
	}
}
