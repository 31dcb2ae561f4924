package gormstore_test

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

// TestDBErr_ConnectionLost: errors of a Postgres that cannot be reached, or went away
// mid-statement, are service_unavailable (the client retries); statement errors are not.
func TestDBErr_ConnectionLost(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		name string
		err  error
		want domain.Code
	}{
		{"dial refused", fmt.Errorf("connect: %w", refused), domain.CodeUnavailable},
		{"connection reset", fmt.Errorf("read: %w", syscall.ECONNRESET), domain.CodeUnavailable},
		{"cut mid-message", fmt.Errorf("receive: %w", io.ErrUnexpectedEOF), domain.CodeUnavailable},
		{"conn closed", fmt.Errorf("exec: %w", pgconn.ErrConnClosed), domain.CodeUnavailable},
		{"bad conn", driver.ErrBadConn, domain.CodeUnavailable},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, domain.CodeUnavailable},
		{"starting up", &pgconn.PgError{Code: "57P03"}, domain.CodeUnavailable},
		{"connection failure", &pgconn.PgError{Code: "08006"}, domain.CodeUnavailable},
		{"too many connections", &pgconn.PgError{Code: "53300"}, domain.CodeUnavailable},
		{"syntax error", &pgconn.PgError{Code: "42601"}, domain.CodeInternal},
		{"plain error", errors.New("boom"), domain.CodeInternal},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := gormstore.DBErr("op", c.err)
			if got := domain.CodeOf(err); got != c.want {
				t.Fatalf("%v: code %q, want %q", err, got, c.want)
			}
			if !errors.Is(err, c.err) {
				t.Errorf("%v does not wrap its cause", err)
			}
		})
	}
}
