-- +goose Up
-- Blobs (organization logos and icons) for ORGKIT_BLOB_URL=db:, so replicas share them with
-- no storage but the database. Rows are written outside orgkit's transactions, before the row
-- that names them commits; one no row names is collected later (listed by key prefix).
-- Keys compare bytewise (COLLATE "C"), so key order and prefix ranges are the same as on
-- SQLite, S3 and the filesystem whatever the database's collation.
CREATE TABLE orgkit_blobs (
    key          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    size         BIGINT NOT NULL CHECK (size = octet_length(data)),
    updated_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE orgkit_blobs;
