package main

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orgkit/orgkit/domain"
)

// Constraint names of the host_events migrations, and the SQLite result codes (sqlite3.h) that
// stand for them: SQLite does not name a violated constraint in its error, so there the
// statement decides (an insert into host_events can break only these two).
const (
	slugConstraint             = "host_events_org_slug_key"
	orgForeignKey              = "host_events_organization_id_fkey"
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintForeignKey = 787
	sqliteConstraintUnique     = 2067
)

// sqliteError is the SQLite driver's error, matched by its method so that a Postgres host
// need not link the driver.
type sqliteError interface {
	error
	Code() int
}

// dbErr translates a driver error by SQLSTATE and constraint name (Postgres) or result code
// (SQLite), never by message: the slug taken in this organization, the organization deleted
// while its event was written, a busy SQLite (the client retries); anything else is an
// internal error whose cause is logged, never shown.
func dbErr(err error) error {
	var pg *pgconn.PgError
	var lite sqliteError
	switch {
	case errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == slugConstraint:
		return errEventSlugTaken
	case errors.As(err, &pg) && pg.Code == "23503" && pg.ConstraintName == orgForeignKey:
		return domain.ErrOrganizationNotFound
	case errors.As(err, &lite) && lite.Code() == sqliteConstraintUnique:
		return errEventSlugTaken
	case errors.As(err, &lite) && lite.Code() == sqliteConstraintForeignKey:
		return domain.ErrOrganizationNotFound
	case errors.As(err, &lite) && (lite.Code()&0xff == sqliteBusy || lite.Code()&0xff == sqliteLocked):
		return domain.Unavailable("database is busy, try again", err)
	}
	return fmt.Errorf("events: %w", err)
}
