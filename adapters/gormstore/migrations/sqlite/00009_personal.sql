-- +goose Up
-- First run and personal organizations.

-- When orgkit decided whether the user gets a personal organization
-- (ORGKIT_PERSONAL_ORGANIZATIONS): it made one, or the user belonged to one already. Set
-- once and never cleared, so a user who later leaves every organization gets no new one.
ALTER TABLE orgkit_users ADD COLUMN personal_checked_at DATETIME;

-- `orgkit init` invites the first organization's owner: an invitation made by no user (an
-- operator), and the only kind that may give owner. SQLite changes a column's constraints
-- by rebuilding the table (nothing references it).
CREATE TABLE orgkit_invitations_new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES orgkit_organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CONSTRAINT orgkit_invitations_role_check
        CHECK (role IN ('admin', 'member', 'viewer') OR (role = 'owner' AND invited_by IS NULL)),
    status          TEXT NOT NULL CONSTRAINT orgkit_invitations_status_check CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
    token_hash      BLOB NOT NULL,
    invited_by      INTEGER REFERENCES orgkit_users (id),
    expires_at      DATETIME NOT NULL,
    accepted_at     DATETIME,
    accepted_by     INTEGER REFERENCES orgkit_users (id),
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    CONSTRAINT orgkit_invitations_inviter_check CHECK (invited_by IS NOT NULL OR role = 'owner')
);
INSERT INTO orgkit_invitations_new SELECT id, organization_id, email, role, status, token_hash, invited_by,
    expires_at, accepted_at, accepted_by, created_at, updated_at FROM orgkit_invitations;
DROP TABLE orgkit_invitations;
ALTER TABLE orgkit_invitations_new RENAME TO orgkit_invitations;
CREATE UNIQUE INDEX orgkit_invitations_token_hash_key ON orgkit_invitations (token_hash);
-- One pending invitation per organization and address: racing invites have one winner.
CREATE UNIQUE INDEX orgkit_invitations_pending_key ON orgkit_invitations (organization_id, email) WHERE status = 'pending';
CREATE INDEX orgkit_invitations_org_idx ON orgkit_invitations (organization_id, id);
-- A user invited by email gets no personal organization while the invitation waits.
CREATE INDEX orgkit_invitations_pending_email_idx ON orgkit_invitations (email) WHERE status = 'pending';

-- +goose Down
CREATE TABLE orgkit_invitations_old (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES orgkit_organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    role            TEXT NOT NULL CONSTRAINT orgkit_invitations_role_check CHECK (role IN ('admin', 'member', 'viewer')),
    status          TEXT NOT NULL CONSTRAINT orgkit_invitations_status_check CHECK (status IN ('pending', 'accepted', 'revoked', 'expired')),
    token_hash      BLOB NOT NULL,
    invited_by      INTEGER NOT NULL REFERENCES orgkit_users (id),
    expires_at      DATETIME NOT NULL,
    accepted_at     DATETIME,
    accepted_by     INTEGER REFERENCES orgkit_users (id),
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
INSERT INTO orgkit_invitations_old SELECT id, organization_id, email, role, status, token_hash, invited_by,
    expires_at, accepted_at, accepted_by, created_at, updated_at FROM orgkit_invitations WHERE invited_by IS NOT NULL;
DROP TABLE orgkit_invitations;
ALTER TABLE orgkit_invitations_old RENAME TO orgkit_invitations;
CREATE UNIQUE INDEX orgkit_invitations_token_hash_key ON orgkit_invitations (token_hash);
CREATE UNIQUE INDEX orgkit_invitations_pending_key ON orgkit_invitations (organization_id, email) WHERE status = 'pending';
CREATE INDEX orgkit_invitations_org_idx ON orgkit_invitations (organization_id, id);
ALTER TABLE orgkit_users DROP COLUMN personal_checked_at;
