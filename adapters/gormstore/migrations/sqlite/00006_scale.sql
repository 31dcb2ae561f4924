-- +goose Up
-- Scale: indexes for every sort order and the status filter, and an exact count of
-- organizations by status that needs no count(*). SQLite has no trigram index: a substring
-- search scans (it is not the database for a million organizations).
CREATE INDEX orgkit_organizations_created_idx ON orgkit_organizations (created_at, id);
CREATE INDEX orgkit_organizations_updated_idx ON orgkit_organizations (updated_at, id);
CREATE INDEX orgkit_organizations_status_idx ON orgkit_organizations (status, name, id);
-- Deleting an organization clears it as users' current organization (so does the foreign
-- key's ON DELETE SET NULL): without this index, each is a scan of every user.
CREATE INDEX orgkit_users_current_org_idx ON orgkit_users (current_organization_id) WHERE current_organization_id IS NOT NULL;

-- Organizations by status, kept exact by the triggers below, so a list's total (unfiltered
-- or by status only) is read here instead of counted.
CREATE TABLE orgkit_organization_counts (
    status TEXT PRIMARY KEY,
    n      BIGINT NOT NULL
);
-- Every status has a row, zero included.
INSERT INTO orgkit_organization_counts (status, n)
    SELECT s.status, (SELECT count(*) FROM orgkit_organizations o WHERE o.status = s.status)
    FROM (SELECT 'active' AS status UNION ALL SELECT 'suspended' UNION ALL SELECT 'archived') AS s;

-- +goose StatementBegin
CREATE TRIGGER orgkit_organizations_count_insert AFTER INSERT ON orgkit_organizations
BEGIN
    INSERT INTO orgkit_organization_counts (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orgkit_organizations_count_delete AFTER DELETE ON orgkit_organizations
BEGIN
    UPDATE orgkit_organization_counts SET n = n - 1 WHERE status = OLD.status;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orgkit_organizations_count_status AFTER UPDATE OF status ON orgkit_organizations
    WHEN OLD.status IS NOT NEW.status
BEGIN
    UPDATE orgkit_organization_counts SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO orgkit_organization_counts (status, n) VALUES (NEW.status, 1)
        ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- members_count is a column kept by triggers on memberships, not a count(*) per organization
-- read (a list of a hundred organizations ran a hundred counts).
ALTER TABLE orgkit_organizations ADD COLUMN members_count INTEGER NOT NULL DEFAULT 0;
UPDATE orgkit_organizations SET members_count =
    (SELECT count(*) FROM orgkit_memberships m WHERE m.organization_id = orgkit_organizations.id);
-- +goose StatementBegin
CREATE TRIGGER orgkit_memberships_count_insert AFTER INSERT ON orgkit_memberships
BEGIN
    UPDATE orgkit_organizations SET members_count = members_count + 1 WHERE id = NEW.organization_id;
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orgkit_memberships_count_delete AFTER DELETE ON orgkit_memberships
BEGIN
    UPDATE orgkit_organizations SET members_count = members_count - 1 WHERE id = OLD.organization_id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER orgkit_memberships_count_delete;
DROP TRIGGER orgkit_memberships_count_insert;
ALTER TABLE orgkit_organizations DROP COLUMN members_count;
DROP TRIGGER orgkit_organizations_count_status;
DROP TRIGGER orgkit_organizations_count_delete;
DROP TRIGGER orgkit_organizations_count_insert;
DROP TABLE orgkit_organization_counts;
DROP INDEX orgkit_users_current_org_idx;
DROP INDEX orgkit_organizations_status_idx;
DROP INDEX orgkit_organizations_updated_idx;
DROP INDEX orgkit_organizations_created_idx;
