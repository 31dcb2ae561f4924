package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

const initSynopsis = "--name NAME --slug SLUG --owner-email EMAIL"

// initFlags maps Initialize's validation fields to the flags that set them.
var initFlags = map[string]string{"name": "--name", "slug": "--slug", app.OwnerEmailField: "--owner-email"}

// initCommand sets up an empty database: it migrates, creates the first organization and
// invites its owner by email, then prints the invitation's accept link and sends its mail
// once (the outbox; `orgkit serve` retries a mail that could not go). On a database that
// holds any organization it prints what exists and changes nothing (exit 0). Bad flags are
// refused before the database is opened (exit 2).
func initCommand(ctx context.Context, e env, args []string) error {
	var in app.FirstOrganization
	flags := func(fs *flag.FlagSet) {
		fs.StringVar(&in.Name, "name", "", "the first organization's name (required)")
		fs.StringVar(&in.Slug, "slug", "", "its slug: 3-50 lowercase letters, digits and hyphens (required)")
		fs.StringVar(&in.OwnerEmail, "owner-email", "", "the owner's email: whoever signs in with it verified and accepts the link becomes owner (required)")
	}
	cfg, _, err := adminCommand(e, "init", initSynopsis, args, func(p []string) bool { return len(p) == 0 }, flags)
	if err != nil {
		return err
	}
	if err := in.Validate(); err != nil {
		return initUsage(err)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	k, closeKit, err := kit(ctx, cfg, log, nil)
	if err != nil {
		return err
	}
	defer closeKit()
	svc := k.Service()
	res, err := svc.Initialize(ctx, in)
	if err != nil {
		return fmt.Errorf("init: %w", initUsage(err))
	}
	if !res.Created {
		printExisting(e.stdout, res)
		return nil
	}
	printCreated(e.stdout, res)
	// The mail goes now, not on the next `orgkit serve`: an operator who configured SMTP
	// expects the owner to receive it. A failure stays in the outbox, retried by serve.
	sent, err := svc.DeliverOutbox(ctx)
	switch {
	case err != nil:
		fmt.Fprintf(e.stdout, "invitation mail: not sent (%v); `orgkit serve` retries it\n", err)
	case cfg.SMTPURL == "":
		fmt.Fprintln(e.stdout, "invitation mail: not sent (ORGKIT_SMTP_URL is not set); give the owner the link above")
	case sent == 0:
		fmt.Fprintln(e.stdout, "invitation mail: not sent yet (see the warning above); `orgkit serve` retries it")
	default:
		fmt.Fprintf(e.stdout, "invitation mail: sent to %s\n", res.Invitation.Email)
	}
	return nil
}

// initUsage turns Initialize's validation error into a usage error naming the flags.
func initUsage(err error) error {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeValidation {
		return err
	}
	var parts []string
	for _, d := range de.Details {
		flagName := initFlags[d.Field]
		if flagName == "" {
			flagName = d.Field
		}
		parts = append(parts, flagName+": "+d.Message)
	}
	return fmt.Errorf("%w: orgkit init %s: %s; nothing was changed", errUsage, initSynopsis, strings.Join(parts, "; "))
}

func printCreated(out io.Writer, res app.Initialization) {
	o, inv := res.Organization, res.Invitation
	fmt.Fprintf(out, "created organization %d %q (slug %s)\n", o.ID, o.Name, o.Slug)
	fmt.Fprintf(out, "invited %s as owner (invitation %d, pending until %s)\n", inv.Email, inv.ID, inv.ExpiresAt.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(out, "accept link (shown once): %s\n", res.Link)
}

func printExisting(out io.Writer, res app.Initialization) {
	fmt.Fprintf(out, "already initialized: %d organization(s) exist; nothing was changed\n", res.Total)
	for _, o := range res.Existing {
		fmt.Fprintf(out, "organization %d %q (slug %s, %s, %d member(s), created %s)\n", o.ID, o.Name, o.Slug, o.Status, o.MembersCount, o.CreatedAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	if res.Total > int64(len(res.Existing)) {
		fmt.Fprintf(out, "… and %d more\n", res.Total-int64(len(res.Existing)))
	}
}
