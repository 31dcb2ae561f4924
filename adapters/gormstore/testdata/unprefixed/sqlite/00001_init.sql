-- +goose Up
CREATE TABLE organizations (
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
CREATE UNIQUE INDEX organizations_slug_key ON organizations (lower(slug));
CREATE INDEX organizations_name_idx ON organizations (name, id);

CREATE TABLE users (
    id                      INTEGER PRIMARY KEY AUTOINCREMENT,
    subject                 TEXT NOT NULL,
    email                   TEXT,
    name                    TEXT,
    is_superadmin           BOOLEAN NOT NULL DEFAULT FALSE,
    current_organization_id INTEGER REFERENCES organizations (id) ON DELETE SET NULL,
    created_at              DATETIME NOT NULL,
    updated_at              DATETIME NOT NULL
);
CREATE UNIQUE INDEX users_subject_key ON users (subject);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at      DATETIME NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id, organization_id);

-- +goose Down
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE organizations;
