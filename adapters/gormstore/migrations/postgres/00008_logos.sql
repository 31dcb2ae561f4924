-- +goose Up
-- Uploaded logos and icons: the blob (ports.BlobStore) each names. logo_url and icon_url keep
-- their public URL; a NULL key means none was uploaded (the URL, if any, is external).
ALTER TABLE orgkit_organizations ADD COLUMN logo_blob_key TEXT;
ALTER TABLE orgkit_organizations ADD COLUMN icon_blob_key TEXT;

-- +goose Down
ALTER TABLE orgkit_organizations DROP COLUMN icon_blob_key;
ALTER TABLE orgkit_organizations DROP COLUMN logo_blob_key;
