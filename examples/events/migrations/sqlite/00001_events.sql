-- +goose Up
-- The host's own table, named with the host's prefix (host_), never orgkit_. It references
-- orgkit's organizations without ON DELETE CASCADE: the OrganizationDeleting hook removes an
-- organization's events inside orgkit's delete transaction, and a create that races a delete
-- fails on the foreign key (answered organization_not_found).
CREATE TABLE host_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES orgkit_organizations (id),
    name            TEXT NOT NULL,
    slug            TEXT NOT NULL,
    description     TEXT,
    start_date      DATETIME,
    end_date        DATETIME,
    website         TEXT,
    contact_email   TEXT,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
-- A slug is unique within its organization; the same slug may exist in another one.
CREATE UNIQUE INDEX host_events_org_slug_key ON host_events (organization_id, slug);
-- The list pages through one organization's events in id order.
CREATE INDEX host_events_org_idx ON host_events (organization_id, id);

-- +goose Down
DROP TABLE host_events;
