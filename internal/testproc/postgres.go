package testproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// pgBinDirs are where Debian and Ubuntu install the Postgres server programs.
var pgBinDirs = []string{"/usr/lib/postgresql/*/bin"}

// Postgres is a private Postgres cluster on 127.0.0.1, in a temporary directory, that a test
// stops and starts again while clients keep their DSN.
type Postgres struct {
	// DSN reaches the cluster's database "postgres" as the superuser postgres (trust).
	DSN string
	// Addr is the cluster's 127.0.0.1:port.
	Addr string

	dir, pgCtl string
	asUser     []string // the runuser prefix when the test runs as root
}

// StartPostgres creates a cluster with initdb, starts it on a free loopback port and stops
// and removes it when the test ends. Postgres refuses to run as root, so under root the
// cluster belongs to the postgres OS user. A missing initdb fails under CI=true, else skips.
func StartPostgres(t testing.TB) *Postgres {
	t.Helper()
	initdb := tool(t, "initdb", "apt-get install postgresql", pgBinDirs...)
	p := &Postgres{pgCtl: filepath.Join(filepath.Dir(initdb), "pg_ctl")}
	dir, err := os.MkdirTemp("", "orgkit-pg-")
	if err != nil {
		t.Fatalf("testproc: %v", err)
	}
	p.dir = dir
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("testproc: remove %s: %v", dir, err)
		}
	})
	if os.Geteuid() == 0 {
		p.asUser = []string{tool(t, "runuser", "util-linux"), "-u", "postgres", "--"}
		chownToPostgres(t, dir)
	}
	data := filepath.Join(dir, "data")
	p.run(t, initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	port := freePort(t)
	p.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	p.DSN = fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", p.Addr)
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\nfsync = off\nmax_connections = 100\n", port, dir)
	f, err := os.OpenFile(filepath.Join(data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(conf)
		err = errors.Join(err, f.Close())
	}
	if err != nil {
		t.Fatalf("testproc: postgresql.conf: %v", err)
	}
	p.Start(t)
	t.Cleanup(func() { p.stop(t, "immediate") })
	return p
}

// Start starts the stopped cluster on its port and waits until it accepts connections.
func (p *Postgres) Start(t testing.TB) {
	t.Helper()
	p.run(t, p.pgCtl, "-D", filepath.Join(p.dir, "data"), "-l", filepath.Join(p.dir, "log"), "-w", "-t", "30", "start")
	waitDial(t, p.Addr, 30*time.Second)
}

// Stop shuts the cluster down the way an operator restarting it does (pg_ctl stop -m fast):
// open sessions are terminated, transactions in flight roll back.
func (p *Postgres) Stop(t testing.TB) {
	t.Helper()
	p.stop(t, "fast")
}

func (p *Postgres) stop(t testing.TB, mode string) {
	t.Helper()
	pid := filepath.Join(p.dir, "data", "postmaster.pid")
	if _, err := os.Stat(pid); os.IsNotExist(err) {
		return // not running
	}
	p.run(t, p.pgCtl, "-D", filepath.Join(p.dir, "data"), "-m", mode, "-w", "-t", "30", "stop")
}

// run runs a Postgres program, as the postgres OS user under root.
func (p *Postgres) run(t testing.TB, name string, args ...string) {
	t.Helper()
	argv := append(append(append([]string{}, p.asUser...), name), args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = p.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "log")) // context for the failure only
		t.Fatalf("testproc: %s: %v\n%s\n%s", strings.Join(argv, " "), err, out, log)
	}
}

// chownToPostgres gives dir to the postgres OS user, which runs the cluster.
func chownToPostgres(t testing.TB, dir string) {
	t.Helper()
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("testproc: running as root needs the postgres OS user: %v", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("testproc: postgres user ids: %v", err)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatalf("testproc: %v", err)
	}
}
