package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// migrate applies or lists migrations.
func migrate(ctx context.Context, e env, args []string) error {
	var cfg config
	fs := newFlags(e, "migrate", "up|status [--database-url URL]")
	cfg.register(fs, e.getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || (fs.Arg(0) != "up" && fs.Arg(0) != "status") {
		fs.Usage()
		return fmt.Errorf("%w: migrate takes up or status", errUsage)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if fs.Arg(0) == "up" {
		applied, err := store.Migrate(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "applied %d migration(s) %v\n", len(applied), applied)
		return nil
	}
	st, err := store.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for v := int64(1); v <= int64(len(st)); v++ {
		state := "pending"
		if st[v] {
			state = "applied"
		}
		fmt.Fprintf(e.stdout, "%05d %s\n", v, state)
	}
	return nil
}

// superadmin grants or revokes the platform role of a user who has signed in once.
func superadmin(ctx context.Context, e env, args []string) error {
	var cfg config
	fs := newFlags(e, "superadmin", "grant|revoke EMAIL")
	cfg.register(fs, e.getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 || (fs.Arg(0) != "grant" && fs.Arg(0) != "revoke") {
		fs.Usage()
		return fmt.Errorf("%w: superadmin takes grant or revoke and an email", errUsage)
	}
	store, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	svc := app.New(store, ports.SystemClock{}, app.Config{})
	u, err := svc.SetSuperadmin(ctx, fs.Arg(1), fs.Arg(0) == "grant")
	if errors.Is(err, domain.ErrUserNotFound) {
		return fmt.Errorf("%s %s: %w: the user must have signed in once", fs.Arg(0), fs.Arg(1), err)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", fs.Arg(0), fs.Arg(1), err)
	}
	fmt.Fprintf(e.stdout, "user %d (%s): superadmin=%t\n", u.ID, fs.Arg(1), u.IsSuperadmin)
	return nil
}
