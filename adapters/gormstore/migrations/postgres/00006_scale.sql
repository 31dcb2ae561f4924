-- +goose Up
-- Scale to a million organizations: indexes for every sort order, the status filter and the
-- substring search, an exact count of organizations by status that needs no count(*), and
-- members_count kept by triggers.
-- Every lock is taken here, before any work, in the order requests take them (a membership
-- write, then its organization), and none is strengthened later: a lock taken midway while
-- holding another deadlocks with live traffic. Organizations are closed to reads and writes,
-- memberships and users to writes, until the migration commits (seconds at 1M rows).
LOCK TABLE orgkit_memberships IN SHARE ROW EXCLUSIVE MODE;
LOCK TABLE orgkit_organizations IN ACCESS EXCLUSIVE MODE;
LOCK TABLE orgkit_users IN SHARE MODE;

-- Sorts by created_at and updated_at, id breaking ties (name, id exists already).
CREATE INDEX orgkit_organizations_created_idx ON orgkit_organizations (created_at, id);
CREATE INDEX orgkit_organizations_updated_idx ON orgkit_organizations (updated_at, id);
-- The status filter, in the default order (by name).
CREATE INDEX orgkit_organizations_status_idx ON orgkit_organizations (status, name, id);
-- Deleting an organization clears it as users' current organization (so does the foreign
-- key's ON DELETE SET NULL): without this index, each is a scan of every user.
CREATE INDEX orgkit_users_current_org_idx ON orgkit_users (current_organization_id) WHERE current_organization_id IS NOT NULL;

-- The search q is a case-insensitive substring of name or slug: lower(x) LIKE '%q%', which
-- only trigram indexes serve. pg_trgm is trusted (PG13+): a database owner may create it.
-- It goes where it already is, else in public (a schema nobody drops in passing, such as a
-- test's own schema would be), else in the current schema; the operator class is qualified
-- with that schema, so the indexes do not depend on the search_path.
-- +goose StatementBegin
DO $$
DECLARE
    ext_schema TEXT;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public')
                AND has_schema_privilege('public', 'CREATE') THEN
            CREATE EXTENSION pg_trgm SCHEMA public;
        ELSE
            CREATE EXTENSION pg_trgm;
        END IF;
    END IF;
    SELECT n.nspname INTO ext_schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
        WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX orgkit_organizations_name_trgm_idx ON orgkit_organizations USING gin (lower(name) %I.gin_trgm_ops)', ext_schema);
    EXECUTE format('CREATE INDEX orgkit_organizations_slug_trgm_idx ON orgkit_organizations USING gin (lower(slug) %I.gin_trgm_ops)', ext_schema);
END
$$;
-- +goose StatementEnd

-- Organizations by status, kept exact by the triggers below, so a list's total (unfiltered
-- or by status only) is read here instead of counted over a million rows.
CREATE TABLE orgkit_organization_counts (
    status TEXT PRIMARY KEY,
    n      BIGINT NOT NULL
);

-- Inserts and deletes count once a statement (COPY included), from the transition tables; a
-- status change counts per row. Counter rows are always locked in status order, so two
-- transactions never wait on each other's counters in opposite orders. Organizations
-- written concurrently wait for each other's commit on their status's counter row.
-- +goose StatementBegin
CREATE FUNCTION orgkit_organization_counts_maintain() RETURNS trigger AS $$
DECLARE
    r RECORD;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO orgkit_organization_counts AS c (status, n)
            SELECT status, count(*) FROM orgkit_new_rows GROUP BY status ORDER BY status
            ON CONFLICT (status) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        FOR r IN SELECT status, count(*) AS n FROM orgkit_old_rows GROUP BY status ORDER BY status LOOP
            UPDATE orgkit_organization_counts SET n = n - r.n WHERE status = r.status;
        END LOOP;
    ELSIF TG_OP = 'UPDATE' THEN
        FOR r IN SELECT s.status, s.d FROM (VALUES (OLD.status, -1), (NEW.status, 1)) AS s (status, d) ORDER BY s.status LOOP
            INSERT INTO orgkit_organization_counts AS c (status, n) VALUES (r.status, r.d)
                ON CONFLICT (status) DO UPDATE SET n = c.n + excluded.n;
        END LOOP;
    ELSIF TG_OP = 'TRUNCATE' THEN
        UPDATE orgkit_organization_counts SET n = 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER orgkit_organizations_count_insert AFTER INSERT ON orgkit_organizations
    REFERENCING NEW TABLE AS orgkit_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orgkit_organization_counts_maintain();
CREATE TRIGGER orgkit_organizations_count_delete AFTER DELETE ON orgkit_organizations
    REFERENCING OLD TABLE AS orgkit_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION orgkit_organization_counts_maintain();
CREATE TRIGGER orgkit_organizations_count_status AFTER UPDATE OF status ON orgkit_organizations
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION orgkit_organization_counts_maintain();
CREATE TRIGGER orgkit_organizations_count_truncate AFTER TRUNCATE ON orgkit_organizations
    FOR EACH STATEMENT EXECUTE FUNCTION orgkit_organization_counts_maintain();

-- Every status has a row, zero included; the table lock above keeps the count exact.
INSERT INTO orgkit_organization_counts (status, n)
    SELECT s.status, (SELECT count(*) FROM orgkit_organizations o WHERE o.status = s.status)
    FROM (VALUES ('active'), ('suspended'), ('archived')) AS s (status);

-- members_count is a column kept by triggers on memberships, not a count(*) per organization
-- read: a list of a hundred organizations ran a hundred counts, and a read of an
-- organization with a hundred thousand members counted them all. Statement triggers with
-- transition tables, so a COPY of memberships updates each organization once.
ALTER TABLE orgkit_organizations ADD COLUMN members_count BIGINT NOT NULL DEFAULT 0;
-- Room on each page, so that a changed members_count (no index covers it) is a heap-only
-- update rather than a new entry in every index of the table, the trigram ones included.
ALTER TABLE orgkit_organizations SET (fillfactor = 90);
UPDATE orgkit_organizations o SET members_count = c.n
    FROM (SELECT organization_id, count(*) AS n FROM orgkit_memberships GROUP BY organization_id) c
    WHERE o.id = c.organization_id;
-- +goose StatementBegin
CREATE FUNCTION orgkit_members_count_maintain() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE orgkit_organizations SET members_count = 0 WHERE members_count <> 0;
    ELSIF TG_OP = 'INSERT' THEN
        UPDATE orgkit_organizations o SET members_count = o.members_count + d.n
            FROM (SELECT organization_id, count(*) AS n FROM orgkit_new_members GROUP BY organization_id) d
            WHERE o.id = d.organization_id;
    ELSE
        UPDATE orgkit_organizations o SET members_count = o.members_count - d.n
            FROM (SELECT organization_id, count(*) AS n FROM orgkit_old_members GROUP BY organization_id) d
            WHERE o.id = d.organization_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER orgkit_memberships_count_insert AFTER INSERT ON orgkit_memberships
    REFERENCING NEW TABLE AS orgkit_new_members
    FOR EACH STATEMENT EXECUTE FUNCTION orgkit_members_count_maintain();
CREATE TRIGGER orgkit_memberships_count_delete AFTER DELETE ON orgkit_memberships
    REFERENCING OLD TABLE AS orgkit_old_members
    FOR EACH STATEMENT EXECUTE FUNCTION orgkit_members_count_maintain();
CREATE TRIGGER orgkit_memberships_count_truncate AFTER TRUNCATE ON orgkit_memberships
    FOR EACH STATEMENT EXECUTE FUNCTION orgkit_members_count_maintain();

-- +goose Down
DROP TRIGGER orgkit_memberships_count_truncate ON orgkit_memberships;
DROP TRIGGER orgkit_memberships_count_delete ON orgkit_memberships;
DROP TRIGGER orgkit_memberships_count_insert ON orgkit_memberships;
DROP FUNCTION orgkit_members_count_maintain();
ALTER TABLE orgkit_organizations RESET (fillfactor);
ALTER TABLE orgkit_organizations DROP COLUMN members_count;
DROP TRIGGER orgkit_organizations_count_truncate ON orgkit_organizations;
DROP TRIGGER orgkit_organizations_count_status ON orgkit_organizations;
DROP TRIGGER orgkit_organizations_count_delete ON orgkit_organizations;
DROP TRIGGER orgkit_organizations_count_insert ON orgkit_organizations;
DROP FUNCTION orgkit_organization_counts_maintain();
DROP TABLE orgkit_organization_counts;
-- pg_trgm stays: other tables of the database may use it.
DROP INDEX orgkit_organizations_slug_trgm_idx;
DROP INDEX orgkit_organizations_name_trgm_idx;
DROP INDEX orgkit_users_current_org_idx;
DROP INDEX orgkit_organizations_status_idx;
DROP INDEX orgkit_organizations_updated_idx;
DROP INDEX orgkit_organizations_created_idx;
