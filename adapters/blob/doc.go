// Package blob holds orgkit's blob stores (ports.BlobStore): the filesystem (the default),
// the database, and S3-compatible object storage.
package blob
