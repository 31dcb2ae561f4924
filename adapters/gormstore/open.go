// Package gormstore implements orgkit's repositories with GORM on PostgreSQL or on the
// embedded, pure-Go SQLite.
package gormstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

//go:embed migrations
var migrations embed.FS

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
}

// ParseURL picks the dialect of an ORGKIT_DATABASE_URL and returns the driver DSN.
func ParseURL(url string) (Dialect, string, error) {
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	case strings.HasPrefix(url, "sqlite:"):
		path, query, _ := strings.Cut(strings.TrimPrefix(url, "sqlite:"), "?")
		if path == "" {
			return "", "", fmt.Errorf("database url %q: sqlite needs a path, e.g. sqlite:orgkit.db", url)
		}
		// Immediate transactions take the write lock at BEGIN, so concurrent writers wait on
		// busy_timeout instead of failing with SQLITE_BUSY when a read lock cannot upgrade.
		// Pragmas run in order, so the URL's own (e.g. _pragma=busy_timeout(100)) win.
		dsn := "file:" + path + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		if query != "" {
			dsn += "&" + query
		}
		return SQLite, dsn, nil
	default:
		return "", "", fmt.Errorf("database url %q: want postgres://, postgresql:// or sqlite:<path>", url)
	}
}

// DefaultMaxConns is the Postgres pool size when Open is not given WithMaxConns.
const DefaultMaxConns = 20

// Option tunes the pool Open creates.
type Option func(*options)

type options struct{ maxConns int }

// WithMaxConns sets the Postgres pool size, open and idle alike (values below 1 mean
// DefaultMaxConns). SQLite ignores it: its single writer needs only a small pool.
func WithMaxConns(n int) Option { return func(o *options) { o.maxConns = n } }

// Open connects to the database named by url (see ParseURL). It does not migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{maxConns: DefaultMaxConns}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxConns < 1 {
		o.maxConns = DefaultMaxConns
	}
	dialect, dsn, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	var d gorm.Dialector = postgres.Open(dsn)
	if dialect == SQLite {
		d = sqlite.Open(dsn)
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true, NowFunc: func() time.Time { return time.Now().UTC() }})
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	if dialect == SQLite {
		// SQLite has one writer; a small pool keeps WAL readers concurrent without piling up
		// writers behind the busy timeout. An in-memory database exists per connection.
		sqlDB.SetMaxOpenConns(4)
		if strings.Contains(dsn, ":memory:") {
			sqlDB.SetMaxOpenConns(1)
		}
	} else {
		// As many idle as open: database/sql keeps 2 idle by default, so a loaded service
		// would close and reopen Postgres backends (a process each) dozens of times a second.
		sqlDB.SetMaxOpenConns(o.maxConns)
		sqlDB.SetMaxIdleConns(o.maxConns)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: db, dialect: dialect}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return s, nil
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() Dialect { return s.dialect }

// Close closes the connection pool.
func (s *Store) Close() error {
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

func (s *Store) migrator() (*goose.Provider, error) {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, err
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return nil, err
	}
	if s.dialect == SQLite {
		return goose.NewProvider(goose.DialectSQLite3, sqlDB, sub)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(goose.DialectPostgres, sqlDB, sub, goose.WithSessionLocker(locker))
}

// Migrate applies every pending migration and returns the versions it applied. Postgres
// migrations take goose's session lock, so replicas starting together migrate once.
func (s *Store) Migrate(ctx context.Context) ([]int64, error) {
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	if err != nil {
		return applied, fmt.Errorf("migrate: %w", err)
	}
	return applied, nil
}

// MigrationStatus lists each known migration version and whether it is applied.
func (s *Store) MigrationStatus(ctx context.Context) (map[int64]bool, error) {
	p, err := s.migrator()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for _, m := range st {
		out[m.Source.Version] = m.State == goose.StateApplied
	}
	return out, nil
}

// Exec runs a raw statement. It exists for operators' tools and tests (e.g. proving the audit
// log refuses updates); the app never uses it.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	return s.db.WithContext(ctx).Exec(sql, args...).Error
}

// SQLDB exposes the connection pool for operators' tools and tests that must read raw rows
// (e.g. proving no plaintext secret is stored); the app never uses it.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }
