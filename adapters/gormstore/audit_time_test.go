package gormstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

// TestAuditRepo_AppendTruncatesToStoredPrecision: a record appended with nanoseconds is
// returned, stored and hashed at the microsecond, so what is read back verifies.
func TestAuditRepo_AppendTruncatesToStoredPrecision(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *gormstore.Store) {
		ctx := context.Background()
		a := int64(1)
		r := rec(&a, "organization.created")
		r.CreatedAt = time.Date(2025, 3, 4, 10, 0, 0, 999_999_999, time.FixedZone("CET", 3600))
		appended, err := s.Audit().Append(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		want := time.Date(2025, 3, 4, 9, 0, 0, 999_999_000, time.UTC)
		if !appended.CreatedAt.Equal(want) || appended.CreatedAt.Location() != time.UTC {
			t.Errorf("appended created_at %v, want %v", appended.CreatedAt, want)
		}
		read, err := s.Audit().Scan(ctx, 0, 1)
		if err != nil || len(read) != 1 {
			t.Fatalf("scan: %v %v", read, err)
		}
		if !read[0].CreatedAt.Equal(want) || read[0].Hash != appended.Hash || read[0].ComputeHash() != read[0].Hash {
			t.Errorf("read back %v %s, appended %v %s", read[0].CreatedAt, read[0].Hash, appended.CreatedAt, appended.Hash)
		}
	})
}
