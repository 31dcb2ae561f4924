-- Renames a database made before every orgkit name carried the orgkit_ prefix (migrations 1
-- and 2 applied, history in goose's default version table) to exactly what migrations 1 and 2
-- make now; Migrate then applies the rest. The names are those migrations 1 and 2 gave.
-- Run once, in one transaction, by Store.Migrate when it finds that layout.
ALTER TABLE organizations RENAME TO orgkit_organizations;
ALTER TABLE users RENAME TO orgkit_users;
ALTER TABLE memberships RENAME TO orgkit_memberships;
ALTER TABLE api_keys RENAME TO orgkit_api_keys;
ALTER TABLE audit_logs RENAME TO orgkit_audit_logs;
ALTER INDEX organizations_pkey RENAME TO orgkit_organizations_pkey;
ALTER INDEX organizations_slug_key RENAME TO orgkit_organizations_slug_key;
ALTER INDEX organizations_name_idx RENAME TO orgkit_organizations_name_idx;
ALTER INDEX users_pkey RENAME TO orgkit_users_pkey;
ALTER INDEX users_subject_key RENAME TO orgkit_users_subject_key;
ALTER INDEX users_email_key RENAME TO orgkit_users_email_key;
ALTER INDEX memberships_pkey RENAME TO orgkit_memberships_pkey;
ALTER INDEX memberships_user_idx RENAME TO orgkit_memberships_user_idx;
ALTER INDEX api_keys_pkey RENAME TO orgkit_api_keys_pkey;
ALTER INDEX api_keys_org_idx RENAME TO orgkit_api_keys_org_idx;
ALTER INDEX api_keys_seal_key_idx RENAME TO orgkit_api_keys_seal_key_idx;
ALTER INDEX audit_logs_pkey RENAME TO orgkit_audit_logs_pkey;
ALTER INDEX audit_logs_org_idx RENAME TO orgkit_audit_logs_org_idx;
ALTER INDEX audit_logs_action_idx RENAME TO orgkit_audit_logs_action_idx;
ALTER TABLE orgkit_users RENAME CONSTRAINT users_current_organization_id_fkey TO orgkit_users_current_organization_id_fkey;
ALTER TABLE orgkit_memberships RENAME CONSTRAINT memberships_organization_id_fkey TO orgkit_memberships_organization_id_fkey;
ALTER TABLE orgkit_memberships RENAME CONSTRAINT memberships_user_id_fkey TO orgkit_memberships_user_id_fkey;
ALTER TABLE orgkit_memberships RENAME CONSTRAINT memberships_role_check TO orgkit_memberships_role_check;
ALTER TABLE orgkit_api_keys RENAME CONSTRAINT api_keys_organization_id_fkey TO orgkit_api_keys_organization_id_fkey;
ALTER TABLE orgkit_organizations RENAME CONSTRAINT organizations_status_check TO orgkit_organizations_status_check;
ALTER TABLE orgkit_organizations RENAME CONSTRAINT organizations_default_role_check TO orgkit_organizations_default_role_check;
ALTER SEQUENCE organizations_id_seq RENAME TO orgkit_organizations_id_seq;
ALTER SEQUENCE users_id_seq RENAME TO orgkit_users_id_seq;
ALTER SEQUENCE api_keys_id_seq RENAME TO orgkit_api_keys_id_seq;
ALTER SEQUENCE audit_logs_id_seq RENAME TO orgkit_audit_logs_id_seq;
DROP TRIGGER audit_logs_append_only ON orgkit_audit_logs;
DROP FUNCTION audit_logs_append_only();
-- +goose StatementBegin
CREATE FUNCTION orgkit_audit_logs_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'orgkit_audit_logs is append-only';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER orgkit_audit_logs_append_only BEFORE UPDATE OR DELETE ON orgkit_audit_logs
    FOR EACH ROW EXECUTE FUNCTION orgkit_audit_logs_append_only();

