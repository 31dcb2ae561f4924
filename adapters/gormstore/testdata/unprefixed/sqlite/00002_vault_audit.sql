-- +goose Up
CREATE TABLE api_keys (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title           TEXT NOT NULL,
    service         TEXT NOT NULL,
    seal_key_id     TEXT NOT NULL,
    sealed          BLOB NOT NULL,
    last4           TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX api_keys_org_idx ON api_keys (organization_id, id);
CREATE INDEX api_keys_seal_key_idx ON api_keys (seal_key_id, id);

CREATE TABLE audit_logs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER,
    actor_user_id   INTEGER,
    actor_email     TEXT,
    action          TEXT NOT NULL,
    target_type     TEXT NOT NULL,
    target_id       TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    ip              TEXT NOT NULL,
    user_agent      TEXT NOT NULL,
    changes         TEXT NOT NULL,
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE INDEX audit_logs_org_idx ON audit_logs (organization_id, id);
CREATE INDEX audit_logs_action_idx ON audit_logs (action, id);

-- +goose StatementBegin
CREATE TRIGGER audit_logs_no_update BEFORE UPDATE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_logs_no_delete BEFORE DELETE ON audit_logs
BEGIN
    SELECT RAISE(ABORT, 'audit_logs is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_logs;
DROP TABLE api_keys;
