-- +goose Up
CREATE TABLE orgkit_organizations (
    id                         INTEGER PRIMARY KEY AUTOINCREMENT,
    name                       TEXT NOT NULL,
    slug                       TEXT NOT NULL,
    tagline                    TEXT,
    description                TEXT,
    email                      TEXT,
    phone                      TEXT,
    website                    TEXT,
    location                   TEXT,
    logo_url                   TEXT,
    icon_url                   TEXT,
    language_code              TEXT,
    template_terms_id          INTEGER,
    template_policy_id         INTEGER,
    status                     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'archived')),
    allow_public_signup        BOOLEAN NOT NULL DEFAULT FALSE,
    require_email_verification BOOLEAN NOT NULL DEFAULT TRUE,
    default_role               TEXT NOT NULL DEFAULT 'member' CHECK (default_role IN ('admin', 'member', 'viewer')),
    metadata                   TEXT NOT NULL DEFAULT '{}',
    created_at                 DATETIME NOT NULL,
    updated_at                 DATETIME NOT NULL
);
CREATE UNIQUE INDEX orgkit_organizations_slug_key ON orgkit_organizations (lower(slug));
CREATE INDEX orgkit_organizations_name_idx ON orgkit_organizations (name, id);

CREATE TABLE orgkit_users (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    subject                 TEXT NOT NULL,
    email                   TEXT,
    name                    TEXT,
    is_superadmin           BOOLEAN NOT NULL DEFAULT FALSE,
    current_organization_id INTEGER REFERENCES orgkit_organizations (id) ON DELETE SET NULL,
    created_at              DATETIME NOT NULL,
    updated_at              DATETIME NOT NULL
);
CREATE UNIQUE INDEX orgkit_users_subject_key ON orgkit_users (subject);
CREATE UNIQUE INDEX orgkit_users_email_key ON orgkit_users (lower(email));

CREATE TABLE orgkit_memberships (
    organization_id INTEGER NOT NULL REFERENCES orgkit_organizations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES orgkit_users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at      DATETIME NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX orgkit_memberships_user_idx ON orgkit_memberships (user_id, organization_id);

-- +goose Down
DROP TABLE orgkit_memberships;
DROP TABLE orgkit_users;
DROP TABLE orgkit_organizations;
