package gormstore

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit/domain"
)

// sqliteError is the SQLite driver's error, matched by its method so that this package does
// not link the driver (a Postgres host never needs it).
type sqliteError interface {
	error
	Code() int
}

// SQLite result codes (sqlite3.h): primary codes are the low byte of extended ones.
const (
	sqliteBusy                 = 5
	sqliteLocked               = 6
	sqliteConstraintForeignKey = 787
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// orgForeignKeys are the Postgres foreign keys that reference organizations (named by
// Postgres's default <table>_<column>_fkey in the migrations). Violating one on insert or
// update means the organization was deleted concurrently.
var orgForeignKeys = map[string]bool{
	"orgkit_memberships_organization_id_fkey":   true,
	"orgkit_api_keys_organization_id_fkey":      true,
	"orgkit_domains_organization_id_fkey":       true,
	"orgkit_users_current_organization_id_fkey": true,
	"orgkit_invites_organization_id_fkey":       true,
	"orgkit_invitations_organization_id_fkey":   true,
}

// dbErr is the one translation of driver errors into the domain's, for every repository
// method's generic error path and for Store.Do: a busy or locked SQLite is
// service_unavailable (the client retries), so is a Postgres that cannot be reached or went
// away mid-statement (restarting, shutting down, refusing connections), a write that references an organization deleted
// meanwhile is organization_not_found, an error that is already a domain error passes
// through, and anything else is wrapped with op for the log (an internal error).
func dbErr(op string, err error) error {
	var de *domain.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &de):
		return err
	case isBusy(err):
		return domain.Unavailable("database is busy, try again", fmt.Errorf("%s: %w", op, err))
	case isConnectionLost(err):
		return domain.Unavailable("database is unavailable, try again", fmt.Errorf("%s: %w", op, err))
	case referencesDeletedOrganization(err):
		return domain.ErrOrganizationNotFound
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isBusy reports SQLITE_BUSY or SQLITE_LOCKED, extended codes included: another
// connection held the lock beyond busy_timeout.
func isBusy(err error) bool {
	var lite sqliteError
	if !errors.As(err, &lite) {
		return false
	}
	primary := lite.Code() & 0xff
	return primary == sqliteBusy || primary == sqliteLocked
}

// unavailableStates are the SQLSTATEs of a Postgres that cannot serve now but will: class 08
// (connection exception) by prefix, and these.
var unavailableStates = map[string]bool{
	"57P01": true, // admin_shutdown: terminated by a fast shutdown or pg_terminate_backend
	"57P02": true, // crash_shutdown
	"57P03": true, // cannot_connect_now: starting up or shutting down
	"53300": true, // too_many_connections
}

// isConnectionLost reports an error of the connection rather than of the statement: the
// server refused or dropped it, or said it is shutting down or starting. Retrying later on
// a fresh connection can succeed, so callers answer service_unavailable. A statement cut
// off at COMMIT may still have committed; the transaction then happened whole.
func isConnectionLost(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return strings.HasPrefix(pg.Code, "08") || unavailableStates[pg.Code]
	}
	var connect *pgconn.ConnectError
	var op *net.OpError
	return errors.As(err, &connect) || errors.As(err, &op) || pgconn.Timeout(err) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// referencesDeletedOrganization reports a Postgres foreign-key violation (SQLSTATE 23503) on
// a constraint that references organizations.
func referencesDeletedOrganization(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23503" && orgForeignKeys[pg.ConstraintName]
}

// uniqueViolation reports whether err is a unique-constraint violation and, on Postgres, the
// constraint's name. SQLite does not name the constraint in a structured way, so callers
// decide from the statement they ran, which can break only their own table's constraints.
func uniqueViolation(err error) (constraint string, ok bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName, pg.Code == "23505"
	}
	var lite sqliteError
	if errors.As(err, &lite) {
		c := lite.Code()
		return "", c == sqliteConstraintUnique || c == sqliteConstraintPrimaryKey
	}
	return "", errors.Is(err, gorm.ErrDuplicatedKey)
}

// isConstraint reports whether err is a unique violation of the named constraint; on SQLite
// any unique violation matches (see uniqueViolation).
func isConstraint(err error, name string) bool {
	c, ok := uniqueViolation(err)
	return ok && (c == "" || c == name)
}

// sqliteForeignKey reports a SQLite foreign-key violation, which does not name its
// constraint: callers decide from the statement they ran, as with uniqueViolation.
func sqliteForeignKey(err error) bool {
	var lite sqliteError
	return errors.As(err, &lite) && lite.Code() == sqliteConstraintForeignKey
}
