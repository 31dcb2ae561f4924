// Command orgkit runs the orgkit organizations service and its operator tasks.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "orgkit:", err)
	}
	os.Exit(exitCode(err))
}

// exitCode is 0 for success and --help, 2 for usage mistakes, 1 for everything else.
func exitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	default:
		return 1
	}
}

var errUsage = errors.New("usage")

type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name, summary string
	run           func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP service (migrates the database first)", serve},
		{"migrate", "apply (up) or list (status) database migrations", migrate},
		{"init", "first run: create the first organization and invite its owner", initCommand},
		{"token", "mint an HS256 development token", token},
		{"superadmin", "grant or revoke the platform superadmin role", superadmin},
		{"users", "relink: move an email to another user (email conflicts)", users},
		{"vault", "rotate: re-seal every API key with the active vault key", vault},
		{"audit", "verify: check every hash chain of the audit log", audit},
		{"domains", "recheck: check custom domains' DNS records now (one background pass)", domains},
		{"dev", "seed: fill a database with synthetic organizations for benchmarks", devCommand},
		{"version", "print the version", version},
	}
}

// run is main without the process: tests call it with their own args, env and writers.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return fmt.Errorf("%w: name a command", errUsage)
		}
		return flag.ErrHelp
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	usage(stderr)
	return fmt.Errorf("%w: unknown command %q", errUsage, args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: orgkit <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'orgkit <command> --help' for the flags of a command.")
}

// newFlags builds a command's flag set; errors go to the caller, usage to stderr.
func newFlags(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("orgkit "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: orgkit %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
