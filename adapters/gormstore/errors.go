package gormstore

import (
	"errors"

	sqlite "github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// SQLite extended result codes for constraint failures (sqlite3.h).
const (
	sqliteConstraintPrimaryKey = 1555
	sqliteConstraintUnique     = 2067
)

// uniqueViolation reports whether err is a unique-constraint violation and, on Postgres, the
// constraint's name. SQLite does not name the constraint in a structured way, so callers
// decide from the statement they ran, which can break only their own table's constraints.
func uniqueViolation(err error) (constraint string, ok bool) {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.ConstraintName, pg.Code == "23505"
	}
	var lite *sqlite.Error
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
