package gormstore

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

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

type options struct {
	maxConns int
	log      *slog.Logger
}

// WithMaxConns sets the Postgres pool size, open and idle alike (values below 1 mean
// DefaultMaxConns). SQLite ignores it: its single writer needs only a small pool.
func WithMaxConns(n int) Option { return func(o *options) { o.maxConns = n } }

// WithLogger sends the store's SQL to log at debug level.
func WithLogger(log *slog.Logger) Option { return func(o *options) { o.log = log } }

// Open connects to the database named by url (see ParseURL) with a pool of its own, which
// Close closes. It does not migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	o := options{}
	for _, opt := range opts {
		opt(&o)
	}
	db, err := OpenDB(ctx, url, opts...)
	if err != nil {
		return nil, err
	}
	s, err := New(db, o.log)
	if err != nil {
		return nil, err
	}
	s.owned = true
	return s, nil
}

// OpenDB opens the pool a database URL names, sized for a service of its own: on Postgres,
// WithMaxConns connections kept open and idle alike. It checks that the database answers.
func OpenDB(ctx context.Context, url string, opts ...Option) (*gorm.DB, error) {
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
	d, err := dialector(dialect, dsn)
	if err != nil {
		return nil, err
	}
	db, err := gorm.Open(d, &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
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
	if err := sqlDB.PingContext(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("connect to %s database: %w", dialect, err)
	}
	return db, nil
}

var (
	driversMu sync.RWMutex
	drivers   = map[Dialect]func(dsn string) gorm.Dialector{Postgres: postgres.Open}
)

// RegisterDriver makes Open able to open dialect d. Postgres is built in; the SQLite driver
// registers itself when a program imports github.com/orgkit/orgkit/adapters/gormstore/sqlite,
// so a Postgres host never links it.
func RegisterDriver(d Dialect, open func(dsn string) gorm.Dialector) {
	driversMu.Lock()
	defer driversMu.Unlock()
	drivers[d] = open
}

func dialector(d Dialect, dsn string) (gorm.Dialector, error) {
	driversMu.RLock()
	defer driversMu.RUnlock()
	open, ok := drivers[d]
	if !ok {
		return nil, fmt.Errorf("database url: the %s driver is not linked: import _ \"github.com/orgkit/orgkit/adapters/gormstore/sqlite\"", d)
	}
	return open(dsn), nil
}
