-- +goose Up
-- Blobs (organization logos and icons) for ORGKIT_BLOB_URL=db:, so replicas share them with
-- no storage but the database. Rows are written outside orgkit's transactions, before the row
-- that names them commits; one no row names is collected later (listed by key prefix).
-- Keys compare bytewise (SQLite's BINARY collation), as on Postgres, S3 and the filesystem.
CREATE TABLE orgkit_blobs (
    key          TEXT NOT NULL PRIMARY KEY,
    content_type TEXT NOT NULL,
    data         BLOB NOT NULL,
    size         INTEGER NOT NULL CHECK (size = length(data)),
    updated_at   DATETIME NOT NULL
);

-- +goose Down
DROP TABLE orgkit_blobs;
