package blob_test

import (
	"bytes"
	"context"
	"log"
	"strings"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/blob/blobtest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// TestDB_HostsLogGetsNoBytes: a host logging every statement (gorm's Info level) sees the
// blob statements without their parameters, so an SVG's text never lands in its logs; and
// the host's pool keeps its own logger and settings.
func TestDB_HostsLogGetsNoBytes(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			var buf bytes.Buffer
			hostLogger := logger.New(log.New(&buf, "", 0), logger.Config{LogLevel: logger.Info})
			host := migratedDB(t, d).Session(&gorm.Session{Logger: hostLogger})
			sqlDB, err := host.DB()
			if err != nil {
				t.Fatal(err)
			}
			before := sqlDB.Stats().MaxOpenConnections

			s := blob.NewDB(host)
			blobtest.Put(t, s, "logos/1", []byte("<svg>SECRET-MARKER</svg>"), "image/svg+xml")
			blobtest.Get(t, s, "logos/1")
			blobtest.List(t, s, "logos/")
			if err := s.Delete(context.Background(), "logos/1"); err != nil {
				t.Fatal(err)
			}

			out := buf.String()
			if strings.Count(out, "orgkit_blobs") < 4 {
				t.Fatalf("the host's logger saw %d blob statements; want 4:\n%s", strings.Count(out, "orgkit_blobs"), out)
			}
			if strings.Contains(out, "SECRET-MARKER") {
				t.Fatalf("the blob's bytes reached the host's log:\n%s", out)
			}
			if host.Logger != hostLogger || sqlDB.Stats().MaxOpenConnections != before {
				t.Fatal("NewDB changed the host's *gorm.DB")
			}
		})
	}
}

// TestDB_KeysCompareBytewiseOnPostgres: List's range scan and key order rely on the key
// column's "C" collation whatever the database's default (the CI database's is C.UTF-8, so
// the contract suite alone would not notice a locale-aware collation).
func TestDB_KeysCompareBytewiseOnPostgres(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		if d != gormstore.Postgres {
			continue
		}
		db := migratedDB(t, d)
		var collation string
		err := db.Raw(`SELECT coalesce(collation_name, '') FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = 'orgkit_blobs' AND column_name = 'key'`).Scan(&collation).Error
		if err != nil || collation != "C" {
			t.Fatalf("orgkit_blobs.key collation %q (%v); want C", collation, err)
		}
	}
}

// TestDB_SizeMatchesData: the size column cannot disagree with the bytes (List reports it).
func TestDB_SizeMatchesData(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			db := migratedDB(t, d)
			err := db.Exec(`INSERT INTO orgkit_blobs (key, content_type, data, size, updated_at) VALUES ('a', 'x', ?, 5, CURRENT_TIMESTAMP)`, []byte("abc")).Error
			if err == nil {
				t.Fatal("a row whose size is not its data's length was accepted")
			}
		})
	}
}
