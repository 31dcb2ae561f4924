-- Renames a database made before every orgkit name carried the orgkit_ prefix (migrations 1
-- and 2 applied, history in goose's default version table) to exactly what migrations 1 and 2
-- make now; Migrate then applies the rest. The names are those migrations 1 and 2 gave.
-- Run once, in one transaction, by Store.Migrate when it finds that layout.
ALTER TABLE organizations RENAME TO orgkit_organizations;
ALTER TABLE users RENAME TO orgkit_users;
ALTER TABLE memberships RENAME TO orgkit_memberships;
ALTER TABLE api_keys RENAME TO orgkit_api_keys;
ALTER TABLE audit_logs RENAME TO orgkit_audit_logs;
DROP INDEX organizations_slug_key;
CREATE UNIQUE INDEX orgkit_organizations_slug_key ON orgkit_organizations (lower(slug));
DROP INDEX organizations_name_idx;
CREATE INDEX orgkit_organizations_name_idx ON orgkit_organizations (name, id);
DROP INDEX users_subject_key;
CREATE UNIQUE INDEX orgkit_users_subject_key ON orgkit_users (subject);
DROP INDEX users_email_key;
CREATE UNIQUE INDEX orgkit_users_email_key ON orgkit_users (lower(email));
DROP INDEX memberships_user_idx;
CREATE INDEX orgkit_memberships_user_idx ON orgkit_memberships (user_id, organization_id);
DROP INDEX api_keys_org_idx;
CREATE INDEX orgkit_api_keys_org_idx ON orgkit_api_keys (organization_id, id);
DROP INDEX api_keys_seal_key_idx;
CREATE INDEX orgkit_api_keys_seal_key_idx ON orgkit_api_keys (seal_key_id, id);
DROP INDEX audit_logs_org_idx;
CREATE INDEX orgkit_audit_logs_org_idx ON orgkit_audit_logs (organization_id, id);
DROP INDEX audit_logs_action_idx;
CREATE INDEX orgkit_audit_logs_action_idx ON orgkit_audit_logs (action, id);
DROP TRIGGER audit_logs_no_update;
DROP TRIGGER audit_logs_no_delete;
-- +goose StatementBegin
CREATE TRIGGER orgkit_audit_logs_no_update BEFORE UPDATE ON orgkit_audit_logs
BEGIN
    SELECT RAISE(ABORT, 'orgkit_audit_logs is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER orgkit_audit_logs_no_delete BEFORE DELETE ON orgkit_audit_logs
BEGIN
    SELECT RAISE(ABORT, 'orgkit_audit_logs is append-only');
END;
-- +goose StatementEnd

