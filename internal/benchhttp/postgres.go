package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultPostgresDSN is the Postgres of `make test-integration` and CI.
const defaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// pgDatabase is the fresh database a run measures Postgres on: created at the start, dropped
// at the end (on failure and interruption too), so no run reads another's rows and the
// given database is left as it was.
type pgDatabase struct {
	admin   string // the DSN given (-pg): where CREATE and DROP DATABASE are sent
	name    string
	url     string // ORGKIT_DATABASE_URL of the fresh database
	version string // the server's, for the report
}

// createPostgres creates orgkit_bench_<random> on the server of dsn, a postgres:// URL.
func createPostgres(ctx context.Context, dsn string) (*pgDatabase, error) {
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	name := "orgkit_bench_" + hex.EncodeToString(suffix)
	dbURL, err := withDatabase(dsn, name)
	if err != nil {
		return nil, err
	}
	conn, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	d := &pgDatabase{admin: dsn, name: name, url: dbURL}
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&d.version); err != nil {
		return nil, fmt.Errorf("postgres %s: %w", redact(dsn), err)
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("postgres %s: CREATE DATABASE %s: %w", redact(dsn), name, err)
	}
	return d, nil
}

// drop removes the database, closing the connections of a server that did not stop in
// time (WITH (FORCE), Postgres 13+). It runs after the run's context may have been
// cancelled, so it has a context of its own.
func (d *pgDatabase) drop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("DROP DATABASE %s: %w", d.name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{d.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("DROP DATABASE %s: %w", d.name, err)
	}
	return nil
}

// connect opens one connection to dsn, failing within 10 seconds with a message that says
// how to run without Postgres.
func connect(ctx context.Context, dsn string) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres %s is unreachable: start it, point -pg (or ORGKIT_BENCH_POSTGRES_DSN) at one, or measure SQLite only with -pg=off: %w", redact(dsn), err)
	}
	return conn, nil
}

// withDatabase is dsn with its database replaced by name. dsn must be a URL: the server
// picks Postgres by ORGKIT_DATABASE_URL's postgres:// or postgresql:// scheme.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return "", errors.New("-pg: want a postgres://user@host:port/db?… URL, or off")
	}
	u.Path, u.RawPath = "/"+name, ""
	return u.String(), nil
}

// redact is dsn without its password, for messages and the report.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(an unparsable DSN)"
	}
	return u.Redacted()
}
