-- +goose Up
-- First run and personal organizations.
-- Both locks are taken here, before any work, in the order requests take them (an
-- invitation's row, then its user's through the foreign key), and none is strengthened later.
LOCK TABLE orgkit_invitations IN ACCESS EXCLUSIVE MODE;
LOCK TABLE orgkit_users IN ACCESS EXCLUSIVE MODE;

-- When orgkit decided whether the user gets a personal organization
-- (ORGKIT_PERSONAL_ORGANIZATIONS): it made one, or the user belonged to one already. Set
-- once and never cleared, so a user who later leaves every organization gets no new one.
ALTER TABLE orgkit_users ADD COLUMN personal_checked_at TIMESTAMPTZ;

-- `orgkit init` invites the first organization's owner: an invitation made by no user (an
-- operator), and the only kind that may give owner.
ALTER TABLE orgkit_invitations ALTER COLUMN invited_by DROP NOT NULL;
ALTER TABLE orgkit_invitations DROP CONSTRAINT orgkit_invitations_role_check;
ALTER TABLE orgkit_invitations ADD CONSTRAINT orgkit_invitations_role_check
    CHECK (role IN ('admin', 'member', 'viewer') OR (role = 'owner' AND invited_by IS NULL));
ALTER TABLE orgkit_invitations ADD CONSTRAINT orgkit_invitations_inviter_check
    CHECK (invited_by IS NOT NULL OR role = 'owner');

-- A user invited by email gets no personal organization while the invitation waits: sign-in
-- asks whether any organization has a pending one for the address.
CREATE INDEX orgkit_invitations_pending_email_idx ON orgkit_invitations (email) WHERE status = 'pending';

-- +goose Down
DROP INDEX orgkit_invitations_pending_email_idx;
DELETE FROM orgkit_invitations WHERE invited_by IS NULL;
ALTER TABLE orgkit_invitations DROP CONSTRAINT orgkit_invitations_inviter_check;
ALTER TABLE orgkit_invitations DROP CONSTRAINT orgkit_invitations_role_check;
ALTER TABLE orgkit_invitations ADD CONSTRAINT orgkit_invitations_role_check CHECK (role IN ('admin', 'member', 'viewer'));
ALTER TABLE orgkit_invitations ALTER COLUMN invited_by SET NOT NULL;
ALTER TABLE orgkit_users DROP COLUMN personal_checked_at;
