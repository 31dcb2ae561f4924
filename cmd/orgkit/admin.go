package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/domain"
)

// adminCommand parses the configuration flags and exactly the given positional words.
func adminCommand(e env, name, synopsis string, args []string, valid func(pos []string) bool) (config, []string, error) {
	var cfg config
	fs := newFlags(e, name, synopsis)
	cfg.register(fs)
	if err := cfg.parse(fs, args, e.getenv); err != nil {
		return cfg, nil, err
	}
	if !valid(fs.Args()) {
		fs.Usage()
		return cfg, nil, fmt.Errorf("%w: orgkit %s %s", errUsage, name, synopsis)
	}
	return cfg, fs.Args(), cfg.validate()
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// migrate applies or lists migrations.
func migrate(ctx context.Context, e env, args []string) error {
	cfg, pos, err := adminCommand(e, "migrate", "up|status", args, func(p []string) bool {
		return len(p) == 1 && (p[0] == "up" || p[0] == "status")
	})
	if err != nil {
		return err
	}
	store, err := gormstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if pos[0] == "up" {
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

// withApp parses an operator command and runs fn on the wired service.
func withApp(ctx context.Context, e env, name, synopsis string, args []string, valid func([]string) bool, fn func(w *wired, pos []string) error) error {
	cfg, pos, err := adminCommand(e, name, synopsis, args, valid)
	if err != nil {
		return err
	}
	w, err := wire(ctx, cfg, quiet())
	if err != nil {
		return err
	}
	defer w.Close()
	return fn(w, pos)
}

// superadmin grants or revokes the platform role of a user who has signed in once.
func superadmin(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 2 && (p[0] == "grant" || p[0] == "revoke") }
	return withApp(ctx, e, "superadmin", "grant|revoke EMAIL", args, valid, func(w *wired, pos []string) error {
		u, err := w.svc.SetSuperadmin(ctx, pos[1], pos[0] == "grant")
		if errors.Is(err, domain.ErrUserNotFound) {
			return fmt.Errorf("%s %s: %w: the user must have signed in once", pos[0], pos[1], err)
		}
		if err != nil {
			return fmt.Errorf("%s %s: %w", pos[0], pos[1], err)
		}
		fmt.Fprintf(e.stdout, "user %d (%s): superadmin=%t\n", u.ID, pos[1], u.IsSuperadmin)
		return nil
	})
}

// vault re-seals every API key with the active key of ORGKIT_VAULT_KEYS.
func vault(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 1 && p[0] == "rotate" }
	return withApp(ctx, e, "vault", "rotate", args, valid, func(w *wired, _ []string) error {
		n, err := w.svc.RotateVault(ctx, 100)
		fmt.Fprintf(e.stdout, "re-sealed %d key(s)\n", n)
		return err
	})
}

// audit verifies every hash chain of the audit log.
func audit(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 1 && p[0] == "verify" }
	return withApp(ctx, e, "audit", "verify", args, valid, func(w *wired, _ []string) error {
		v, err := w.svc.VerifyAudit(ctx)
		if err != nil {
			return err
		}
		if v.BrokenID != 0 {
			fmt.Fprintf(e.stdout, "BROKEN at audit record %d: %s (%d record(s) checked)\n", v.BrokenID, v.Reason, v.Checked)
			return errAuditBroken
		}
		fmt.Fprintf(e.stdout, "ok: %d record(s), every chain intact\n", v.Checked)
		return nil
	})
}

var errAuditBroken = errors.New("the audit log chain is broken")
