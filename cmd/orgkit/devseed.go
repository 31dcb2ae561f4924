package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
)

// devCommand runs development tools. `dev seed` fills the database of ORGKIT_DATABASE_URL
// (migrated first) with synthetic organizations, users, memberships and verified domains
// for benchmarks (see gormstore.Seed). It refuses a database that has organizations unless
// --force, which adds after them.
func devCommand(ctx context.Context, e env, args []string) error {
	const synopsis = "seed --orgs N [--members-per-org M] [--force]"
	var o gormstore.SeedOptions
	flags := func(fs *flag.FlagSet) {
		fs.IntVar(&o.Organizations, "orgs", 0, "organizations to add (required)")
		fs.IntVar(&o.MembersPerOrg, "members-per-org", 10, "memberships of each organization; the first is its owner")
		fs.BoolVar(&o.Force, "force", false, "add to a database that already has organizations")
	}
	valid := func(p []string) bool { return len(p) == 1 && p[0] == "seed" }
	cfg, _, err := adminCommand(e, "dev", synopsis, args, valid, flags)
	if err != nil {
		return err
	}
	if o.Organizations < 1 || o.MembersPerOrg < 1 {
		fmt.Fprintf(e.stderr, "Usage: orgkit dev %s\n", synopsis)
		return fmt.Errorf("%w: --orgs and --members-per-org must be at least 1", errUsage)
	}
	store, err := gormstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	applied, err := store.Migrate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "applied %d migration(s) %v\n", len(applied), applied)
	fmt.Fprintf(e.stdout, "seeding %d organization(s) with %d member(s) each on %s\n", o.Organizations, o.MembersPerOrg, store.Dialect())
	o.Progress = func(table string, rows int64, took time.Duration) {
		fmt.Fprintf(e.stdout, "  %-21s %10d rows in %v\n", table, rows, took.Round(time.Millisecond))
	}
	res, err := gormstore.Seed(ctx, store, o)
	if errors.Is(err, gormstore.ErrSeedNotEmpty) {
		return fmt.Errorf("%w; --force adds to them", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seeded %d organizations (ids %d-%d), %d users (ids %d-%d), %d memberships, %d verified domains in %v\n",
		res.Organizations, res.FirstOrganizationID, res.FirstOrganizationID+res.Organizations-1,
		res.Users, res.FirstUserID, res.FirstUserID+res.Users-1, res.Memberships, res.Domains, res.Took.Round(time.Millisecond))
	fmt.Fprintf(e.stdout, "try: slug org-%07d, domain org%d.seed.example, q=acme", res.FirstOrganizationID, res.FirstOrganizationID)
	if o.MembersPerOrg > 1 {
		fmt.Fprintf(e.stdout, ", user-%d@seed.example (a member of up to 1,000 organizations)", res.FirstUserID)
	}
	fmt.Fprintln(e.stdout)
	return nil
}
