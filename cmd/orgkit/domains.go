package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/orgkit/orgkit/app"
)

// domains recheck runs one pass of the background re-verification by hand: every domain
// whose check is due, or with --domain every organization's domain of that name, now.
func domains(ctx context.Context, e env, args []string) error {
	valid := func(p []string) bool { return len(p) == 1 && p[0] == "recheck" }
	var name string
	flags := func(fs *flag.FlagSet) {
		fs.StringVar(&name, "domain", "", "check this domain now, whatever its schedule (default: every domain that is due)")
	}
	return withApp(ctx, e, "domains", "recheck [--domain D]", args, valid, func(svc *app.Service, _ []string) error {
		var checked []app.CheckedDomain
		var err error
		if name != "" {
			checked, err = svc.RecheckDomain(ctx, name)
		} else {
			checked, err = svc.RecheckDueDomains(ctx)
		}
		if err != nil {
			return fmt.Errorf("domains recheck: %w", err)
		}
		return printChecks(e.stdout, checked)
	}, flags)
}

// printChecks writes a line per checked domain; errDomainCheck (exit 1) when one of them
// could not be recorded.
func printChecks(out io.Writer, checked []app.CheckedDomain) error {
	failed := 0
	for _, c := range checked {
		d := c.Domain
		line := fmt.Sprintf("domain %d %s (organization %d): %s", d.ID, d.Name, d.OrganizationID, d.Status)
		if c.Reason != "" {
			line += " reason=" + string(c.Reason)
		}
		if c.Action != "" {
			line += " changed=" + c.Action
		}
		if c.Err != nil {
			failed++
			line += " ERROR: " + c.Err.Error()
		}
		fmt.Fprintln(out, line)
	}
	fmt.Fprintf(out, "checked %d domain(s)\n", len(checked))
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d", errDomainCheck, failed, len(checked))
	}
	return nil
}

var errDomainCheck = errors.New("some domain checks could not be recorded")
