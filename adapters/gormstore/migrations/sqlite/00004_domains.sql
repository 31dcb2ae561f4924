-- +goose Up
CREATE TABLE orgkit_domains (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id    INTEGER NOT NULL REFERENCES orgkit_organizations (id) ON DELETE CASCADE,
    domain             TEXT NOT NULL,
    domain_type        TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'verified', 'failed')),
    verification_token TEXT NOT NULL,
    failure_reason     TEXT CHECK (failure_reason IN ('record_not_found', 'value_mismatch', 'resolver_error')),
    verified_at        DATETIME,
    last_check_at      DATETIME,
    failing_since      DATETIME,
    retry_until        DATETIME,
    next_check_at      DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
-- One organization adds a name once.
CREATE UNIQUE INDEX orgkit_domains_org_domain_key ON orgkit_domains (organization_id, domain);
-- A name is verified by one organization at most: racing verifies have one winner. It also
-- serves resolve's lookup of a verified name.
CREATE UNIQUE INDEX orgkit_domains_verified_key ON orgkit_domains (domain) WHERE status = 'verified';
-- The background checks' queue.
CREATE INDEX orgkit_domains_next_check_idx ON orgkit_domains (next_check_at) WHERE next_check_at IS NOT NULL;

-- +goose Down
DROP TABLE orgkit_domains;
