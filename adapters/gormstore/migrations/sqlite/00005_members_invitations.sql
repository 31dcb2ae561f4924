-- +goose Up
-- Invite links: anyone holding the code joins with the role. Only a hash of the code is kept.
CREATE TABLE orgkit_invites (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES orgkit_organizations (id) ON DELETE CASCADE,
    code_hash       BLOB NOT NULL,
    code_prefix     TEXT NOT NULL,
    role            TEXT NOT NULL CONSTRAINT orgkit_invites_role_check CHECK (role IN ('admin', 'member', 'viewer')),
    expires_at      DATETIME,
    max_uses        INTEGER CONSTRAINT orgkit_invites_max_uses_check CHECK (max_uses > 0),
    uses            INTEGER NOT NULL DEFAULT 0,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    note            TEXT,
    created_by      INTEGER NOT NULL REFERENCES orgkit_users (id),
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    -- The database, not the application, keeps the count within max_uses.
    CONSTRAINT orgkit_invites_uses_check CHECK (uses >= 0 AND (max_uses IS NULL OR uses <= max_uses))
);
CREATE UNIQUE INDEX orgkit_invites_code_hash_key ON orgkit_invites (code_hash);
CREATE INDEX orgkit_invites_org_idx ON orgkit_invites (organization_id, id);

-- Email invitations. Only a hash of the current token is kept; resending replaces it.
CREATE TABLE orgkit_invitations (
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
CREATE UNIQUE INDEX orgkit_invitations_token_hash_key ON orgkit_invitations (token_hash);
-- One pending invitation per organization and address: racing invites have one winner.
CREATE UNIQUE INDEX orgkit_invitations_pending_key ON orgkit_invitations (organization_id, email) WHERE status = 'pending';
CREATE INDEX orgkit_invitations_org_idx ON orgkit_invitations (organization_id, id);

-- Work promised by a committed transaction (mail to send); next_attempt_at NULL: given up.
CREATE TABLE orgkit_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT NOT NULL,
    payload         BLOB NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME,
    last_error      TEXT,
    created_at      DATETIME NOT NULL
);
-- The delivery queue.
CREATE INDEX orgkit_outbox_next_attempt_idx ON orgkit_outbox (next_attempt_at, id) WHERE next_attempt_at IS NOT NULL;

-- +goose Down
DROP TABLE orgkit_outbox;
DROP TABLE orgkit_invitations;
DROP TABLE orgkit_invites;
