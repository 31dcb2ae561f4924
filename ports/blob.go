package ports

import (
	"context"
	"time"
)

// Blob is stored bytes with the media type they were stored as.
type Blob struct {
	Data        []byte
	ContentType string
	ModTime     time.Time // when it was stored
}

// BlobInfo describes a stored blob without its bytes.
type BlobInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// BlobStore keeps small immutable files (organization logos and icons) outside the
// relational tables. Keys are chosen by orgkit: '/'-separated segments of [a-z0-9._-], never
// empty, never "." or "..". Writes happen outside transactions: a blob is written before the
// row that names it commits, and one no row names is collected later (List then Delete).
type BlobStore interface {
	// Put stores data under key with its media type (empty: application/octet-stream, as S3
	// does), replacing any blob there. A key outside the alphabet is an error, never a write.
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get returns the blob at key. Errors: domain.ErrBlobNotFound.
	Get(ctx context.Context, key string) (Blob, error)
	// Delete removes the blob at key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List returns every blob whose key starts with prefix (plain bytes, no wildcards), in
	// key order; ModTime lets a collector spare blobs younger than a row's transaction.
	List(ctx context.Context, prefix string) ([]BlobInfo, error)
}
