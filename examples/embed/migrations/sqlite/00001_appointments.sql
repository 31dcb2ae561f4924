-- +goose Up
-- The host's own table. It references orgkit's organizations without ON DELETE CASCADE: the
-- OrganizationDeleting hook removes an organization's appointments in the same transaction.
CREATE TABLE appointments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    organization_id INTEGER NOT NULL REFERENCES orgkit_organizations (id),
    title           TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'scheduled'
);
CREATE INDEX appointments_org_idx ON appointments (organization_id, id);

-- +goose Down
DROP TABLE appointments;
