package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// adminCommand parses the configuration flags, the command's own flags and exactly the given
// positional words.
func adminCommand(e env, name, synopsis string, args []string, valid func(pos []string) bool, flags ...func(*flag.FlagSet)) (config, []string, error) {
	var cfg config
	fs := newFlags(e, name, synopsis)
	cfg.register(fs)
	for _, f := range flags {
		f(fs)
	}
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
	for _, v := range slices.Sorted(maps.Keys(st)) { // versions may have gaps
		state := "pending"
		if st[v] {
			state = "applied"
		}
		fmt.Fprintf(e.stdout, "%05d %s\n", v, state)
	}
	return nil
}

// withApp parses an operator command (with its own flags) and runs fn on the wired service.
func withApp(ctx context.Context, e env, name, synopsis string, args []string, valid func([]string) bool, fn func(svc *app.Service, pos []string) error, flags ...func(*flag.FlagSet)) error {
	cfg, pos, err := adminCommand(e, name, synopsis, args, valid, flags...)
	if err != nil {
		return err
	}
	k, closeKit, err := kit(ctx, cfg, quiet(), nil)
	if err != nil {
		return err
	}
	defer closeKit()
	return fn(k.Service(), pos)
}

// superadmin grants or revokes the platform role of a user who has signed in once.
func superadmin(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 2 && (p[0] == "grant" || p[0] == "revoke") }
	return withApp(ctx, e, "superadmin", "grant|revoke EMAIL", args, valid, func(svc *app.Service, pos []string) error {
		u, err := svc.SetSuperadmin(ctx, pos[1], pos[0] == "grant")
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

// vault re-seals every API key and webhook signing secret with the active key of
// ORGKIT_VAULT_KEYS.
func vault(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 1 && p[0] == "rotate" }
	return withApp(ctx, e, "vault", "rotate", args, valid, func(svc *app.Service, _ []string) error {
		n, err := svc.RotateVault(ctx, 100)
		fmt.Fprintf(e.stdout, "re-sealed %d key(s) and webhook secret(s)\n", n)
		return err
	})
}

// audit verifies every hash chain of the audit log and prints each chain's head, for the
// operator to keep elsewhere and pass back with --expect-head: only an anchor outside the
// database reveals records removed from a chain's end.
func audit(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 1 && p[0] == "verify" }
	expect := anchors{}
	flags := func(fs *flag.FlagSet) {
		fs.Var(expect, "expect-head", "ID=HASH (repeatable): a head printed by an earlier verify, ID an organization id or platform; exit 1 when it is no longer in its chain")
	}
	return withApp(ctx, e, "audit", "verify [--expect-head ID=HASH]…", args, valid, func(svc *app.Service, _ []string) error {
		v, err := svc.VerifyAudit(ctx, expect)
		if err != nil {
			return err
		}
		return printAudit(e.stdout, v, expect)
	}, flags)
}

// printAudit writes the verdict and each chain's head; errAuditBroken (exit 1) when a link is
// broken or an expected head is no longer in its chain.
func printAudit(out io.Writer, v app.AuditVerification, expect anchors) error {
	if v.BrokenID != 0 {
		fmt.Fprintf(out, "BROKEN at audit record %d: %s (%d record(s) checked)\n", v.BrokenID, v.Reason, v.Checked)
		return errAuditBroken
	}
	if len(v.LostAnchors) == 0 {
		fmt.Fprintf(out, "ok: %d record(s), every chain intact\n", v.Checked)
	}
	heads := map[int64]string{}
	for _, c := range v.Chains {
		key := domain.AuditRecord{OrganizationID: c.OrganizationID}.ChainKey()
		heads[key] = c.Head
		fmt.Fprintf(out, "head %s=%s records=%d\n", chainName(key), c.Head, c.Records)
	}
	for _, k := range v.LostAnchors {
		now := "the chain has no records"
		if h, ok := heads[k]; ok {
			now = "its head is now " + h
		}
		fmt.Fprintf(out, "TRUNCATED chain %s: the expected head %s is no longer one of its records (%s): records were removed from its end\n", chainName(k), expect[k], now)
	}
	if len(v.LostAnchors) > 0 {
		return errAuditBroken
	}
	return nil
}

var errAuditBroken = errors.New("the audit log chain is broken")

// chainName names an audit chain: its organization id, or "platform" (key 0).
func chainName(key int64) string {
	if key == 0 {
		return "platform"
	}
	return strconv.FormatInt(key, 10)
}

// anchors is the repeatable --expect-head ID=HASH: chain key (0: the platform) to hash.
type anchors map[int64]string

func (a anchors) String() string { return "" }

func (a anchors) Set(v string) error {
	id, hash, _ := strings.Cut(v, "=")
	key, err := strconv.ParseInt(id, 10, 64)
	if id == "platform" {
		key, err = 0, nil
	} else if err == nil && key < 1 {
		err = errors.New("not an organization id")
	}
	if _, herr := hex.DecodeString(hash); err != nil || herr != nil || len(hash) != 64 {
		return fmt.Errorf("want ID=HASH, ID an organization id or platform and HASH the 64 hex digits verify printed, not %q", v)
	}
	a[key] = strings.ToLower(hash)
	return nil
}
