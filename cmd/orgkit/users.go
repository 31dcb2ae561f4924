package main

import (
	"context"
	"fmt"
)

// users relink moves an email to the user with a subject: the way out of an email conflict
// the operator has checked (an account re-created at the identity provider signs in with
// its email left empty while another user holds the address). The move is audited.
func users(ctx context.Context, e env, args []string) error {
	const synopsis = "relink --email EMAIL --to-sub SUBJECT"
	if len(args) == 0 || args[0] != "relink" {
		fmt.Fprintf(e.stderr, "Usage: orgkit users %s\n", synopsis)
		return fmt.Errorf("%w: orgkit users %s", errUsage, synopsis)
	}
	var cfg config
	var email, subject string
	fs := newFlags(e, "users", synopsis)
	cfg.register(fs)
	fs.StringVar(&email, "email", "", "the address to move; it becomes verified")
	fs.StringVar(&subject, "to-sub", "", "the identity provider's subject (sub) of the user who receives it")
	if err := cfg.parse(fs, args[1:], e.getenv); err != nil {
		return err
	}
	if email == "" || subject == "" || fs.NArg() != 0 {
		fs.Usage()
		return fmt.Errorf("%w: orgkit users %s", errUsage, synopsis)
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	k, closeKit, err := kit(ctx, cfg, quiet(), nil)
	if err != nil {
		return err
	}
	defer closeKit()
	u, err := k.Service().RelinkEmail(ctx, email, subject)
	if err != nil {
		return fmt.Errorf("relink %s to %s: %w", email, subject, err)
	}
	fmt.Fprintf(e.stdout, "user %d (%s) now holds %s, verified\n", u.ID, subject, *u.Email)
	return nil
}
