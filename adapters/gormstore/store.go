// Package gormstore implements orgkit's repositories with GORM on PostgreSQL or SQLite. It
// works on a host's own *gorm.DB (New) without changing it, or opens its own pool from a
// database URL (Open).
package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
)

// Dialect names the database behind a Store.
type Dialect string

// Supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// Store is the GORM-backed unit of work and repositories.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	owned   bool // Open made the pool, so Close closes it
}

// New returns a store on db, a host's pool or transaction, which it never reconfigures: it
// works on a session of its own, with orgkit's SQL logged through log at debug level (nil:
// slog.Default()). On a transaction, Do runs in savepoints, so everything commits or rolls
// back with the host's transaction. Errors: a nil db or a dialect other than postgres and
// sqlite.
func New(db *gorm.DB, log *slog.Logger) (*Store, error) {
	if db == nil {
		return nil, errors.New("gormstore: the *gorm.DB is nil")
	}
	d := Dialect(db.Dialector.Name())
	if d != Postgres && d != SQLite {
		return nil, fmt.Errorf("gormstore: unsupported database %q: want postgres or sqlite", d)
	}
	if log == nil {
		log = slog.Default()
	}
	session := db.Session(&gorm.Session{NewDB: true, SkipDefaultTransaction: true,
		Logger: gormLogger{log: log}, NowFunc: func() time.Time { return time.Now().UTC() }})
	return &Store{db: session, dialect: d}, nil
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the pool when Open made it; a host's pool given to New is the host's to close.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Exec runs a raw statement. It exists for operators' tools and tests (e.g. proving the audit
// log refuses updates); the app never uses it.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	return s.db.WithContext(ctx).Exec(sql, args...).Error
}

// SQLDB exposes the connection pool for operators' tools and tests that must read raw rows
// (e.g. proving no plaintext secret is stored); the app never uses it.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }
