package blob

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/orgkit/orgkit/ports"
)

// Open returns the blob store rawURL names (ORGKIT_BLOB_URL): "file:<dir>" keeps blobs
// under a directory; "db:" in db (orgkit's migrated database); "s3://bucket/prefix?endpoint=…"
// in S3-compatible storage. Errors name what is wrong with rawURL.
func Open(ctx context.Context, rawURL string, db *gorm.DB) (ports.BlobStore, error) {
	switch {
	case strings.HasPrefix(rawURL, "file:"):
		return NewFile(strings.TrimPrefix(rawURL, "file:"))
	default:
		return nil, fmt.Errorf("blob: %q: want file:<dir>, db: or s3://bucket/prefix?endpoint=…", rawURL)
	}
}
