-- +goose Up
-- Emails carry whether the identity provider vouched for them; only verified ones match.
ALTER TABLE orgkit_users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;
-- Emails and slugs fold case in ASCII only and compare exactly (SQLite's lower() is ASCII-only).
UPDATE orgkit_users SET email = lower(email) WHERE email IS NOT NULL;
DROP INDEX orgkit_users_email_key;
CREATE UNIQUE INDEX orgkit_users_email_key ON orgkit_users (email);
DROP INDEX orgkit_organizations_slug_key;
CREATE UNIQUE INDEX orgkit_organizations_slug_key ON orgkit_organizations (slug);

-- +goose Down
DROP INDEX orgkit_organizations_slug_key;
CREATE UNIQUE INDEX orgkit_organizations_slug_key ON orgkit_organizations (lower(slug));
DROP INDEX orgkit_users_email_key;
CREATE UNIQUE INDEX orgkit_users_email_key ON orgkit_users (lower(email));
ALTER TABLE orgkit_users DROP COLUMN email_verified;
