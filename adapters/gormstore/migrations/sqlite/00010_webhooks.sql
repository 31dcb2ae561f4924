-- +goose Up
-- Change events and their webhook deliveries.

-- The stream of change events, append-only like the audit log. No foreign keys: events
-- outlive their organization (organization.deleted is itself an event) and their actor.
-- payload is the exact bytes written: every delivery and listing returns them as they are.
CREATE TABLE orgkit_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    public_id       TEXT NOT NULL,
    type            TEXT NOT NULL,
    organization_id INTEGER,
    actor_user_id   INTEGER,
    actor_email     TEXT,
    payload         TEXT NOT NULL,
    created_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX orgkit_events_public_id_key ON orgkit_events (public_id);
-- An organization's events newest first, of every type or of one (the list and its count);
-- every event of one type for superadmins. Every event by id uses the primary key.
CREATE INDEX orgkit_events_org_idx ON orgkit_events (organization_id, id);
CREATE INDEX orgkit_events_org_type_idx ON orgkit_events (organization_id, type, id);
CREATE INDEX orgkit_events_type_idx ON orgkit_events (type, id);

-- Receivers of events: an organization's, or with organization_id NULL the platform's. No
-- foreign key to organizations: an endpoint stays until the deliveries queued before its
-- organization was deleted are done (WebhookRepo.DeleteOrphanEndpoints).
CREATE TABLE orgkit_webhook_endpoints (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id       INTEGER,
    url                   TEXT NOT NULL,
    event_types           TEXT NOT NULL DEFAULT '[]', -- JSON array of types; [] is every type
    description           TEXT NOT NULL DEFAULT '',
    disabled              BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_reason       TEXT NOT NULL DEFAULT '',
    secret                BLOB NOT NULL,              -- sealed by the vault's key ring
    previous_secret       BLOB,
    previous_secret_until DATETIME,
    failing_since         DATETIME,
    created_at            DATETIME NOT NULL,
    updated_at            DATETIME NOT NULL
);
CREATE INDEX orgkit_webhook_endpoints_org_idx ON orgkit_webhook_endpoints (organization_id, id);

-- One event on its way to one endpoint. organization_id is the event's: deliveries of one
-- endpoint and organization go out one at a time, in event order.
CREATE TABLE orgkit_webhook_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id     INTEGER NOT NULL REFERENCES orgkit_webhook_endpoints (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES orgkit_events (id),
    organization_id INTEGER,
    status          TEXT NOT NULL CONSTRAINT orgkit_webhook_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE UNIQUE INDEX orgkit_webhook_deliveries_endpoint_event_key ON orgkit_webhook_deliveries (endpoint_id, event_id);
-- The claim's queue: pending deliveries by due time.
CREATE INDEX orgkit_webhook_deliveries_due_idx ON orgkit_webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
-- The claim's head-of-line check: is an older delivery of this endpoint and organization
-- pending? The same COALESCE as on Postgres, so that the check is an index lookup (no
-- organization has id 0): a platform endpoint's backlog spans every organization.
CREATE INDEX orgkit_webhook_deliveries_head_idx ON orgkit_webhook_deliveries
    (endpoint_id, COALESCE(organization_id, 0), event_id) WHERE status = 'pending';
-- An endpoint's deliveries newest first; also the cascade from a deleted endpoint.
CREATE INDEX orgkit_webhook_deliveries_endpoint_idx ON orgkit_webhook_deliveries (endpoint_id, id);

-- Each try of a delivery, with the start of the receiver's answer.
CREATE TABLE orgkit_webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES orgkit_webhook_deliveries (id) ON DELETE CASCADE,
    status_code INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    response    TEXT NOT NULL,
    error       TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);
CREATE INDEX orgkit_webhook_attempts_delivery_idx ON orgkit_webhook_attempts (delivery_id, id);

-- +goose Down
DROP TABLE orgkit_webhook_attempts;
DROP TABLE orgkit_webhook_deliveries;
DROP TABLE orgkit_webhook_endpoints;
DROP TABLE orgkit_events;
