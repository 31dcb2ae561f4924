package main

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"time"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/domain"
)

// token mints an HS256 token with ORGKIT_AUTH_HS256_SECRET, or with the secret that
// `serve --dev` keeps in the data directory. Without --sub the subject is the email's
// development subject (domain.DevSubject), so the token and the portal's development
// sign-in for one email are one user.
func token(_ context.Context, e env, args []string) error {
	var cfg config
	var id domain.Identity
	var ttl time.Duration
	fs := newFlags(e, "token", "--email EMAIL [--sub SUBJECT] [--name NAME] [--organization NAME] [--ttl 1h]")
	cfg.register(fs)
	fs.StringVar(&id.Subject, "sub", "", "subject (the identity provider's user id); empty: the development subject of --email, the one the portal's development sign-in uses")
	fs.StringVar(&id.Email, "email", "", "email claim")
	fs.StringVar(&id.Name, "name", "", "name claim")
	fs.StringVar(&id.Organization, "organization", "", "organization claim: the name of a personal organization (ORGKIT_PERSONAL_ORGANIZATIONS)")
	fs.BoolVar(&id.EmailVerified, "email-verified", true, "email_verified claim")
	fs.DurationVar(&ttl, "ttl", time.Hour, "lifetime")
	if err := cfg.parse(fs, args, e.getenv); err != nil {
		return err
	}
	if id.Email == "" || ttl <= 0 {
		fs.Usage()
		return fmt.Errorf("%w: --email is required and --ttl must be positive", errUsage)
	}
	if id.Subject == "" {
		id.Subject = domain.DevSubject(id.Email) // the same user as the portal's development sign-in
	}
	if cfg.AuthHS256Secret == "" {
		secret, err := readDevSecret(cfg.DataDir)
		if errors.Is(err, iofs.ErrNotExist) {
			return errors.New("no HS256 secret: set ORGKIT_AUTH_HS256_SECRET, or run `orgkit serve --dev` once to generate one")
		}
		if err != nil {
			return err
		}
		cfg.AuthHS256Secret = secret
	}
	tok, err := auth.MintHS256(authConfig(cfg), id, ttl, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, tok)
	return nil
}
