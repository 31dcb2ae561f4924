-- +goose Up
-- Emails carry whether the identity provider vouched for them; only verified ones match.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
-- Emails and slugs fold case in ASCII only and compare exactly (SQLite's lower() is ASCII-only).
UPDATE users SET email = lower(email) WHERE email IS NOT NULL;
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (email);
DROP INDEX organizations_slug_key;
CREATE UNIQUE INDEX organizations_slug_key ON organizations (slug);

-- +goose Down
DROP INDEX organizations_slug_key;
CREATE UNIQUE INDEX organizations_slug_key ON organizations (lower(slug));
DROP INDEX users_email_key;
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
ALTER TABLE users DROP COLUMN email_verified;
