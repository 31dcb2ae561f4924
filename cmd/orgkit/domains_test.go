package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

// seedDomains adds, through the library, an organization with the named domains; the TXT
// record of the first is put in place.
func seedDomains(t *testing.T, env map[string]string, dns *dnstest.Server, names ...string) {
	t.Helper()
	ctx := context.Background()
	if out, err := runCmd(t, env, "migrate", "up"); err != nil {
		t.Fatalf("migrate: %s %v", out, err)
	}
	cfg, err := orgkit.ConfigFromEnv(ctx, envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = orgkit.CloseConfig(cfg) }()
	k, err := orgkit.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc := k.Service()
	p, err := svc.SignIn(ctx, domain.Identity{Subject: "ops", Email: "ops@example.com", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	o, err := svc.CreateOrganization(ctx, p, domain.NewOrganization{Name: "Acme", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		d, err := svc.AddDomain(ctx, p, o.ID, app.NewDomain{Name: name, Type: "clinic"})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			v := svc.VerificationOf(d)
			dns.SetTXT(v.TXTHost, v.TXTValue)
		}
	}
}

func TestDomainsRecheck(t *testing.T) {
	dns := dnstest.Start(t)
	env := map[string]string{"ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite), "ORGKIT_DNS_RESOLVERS": dns.Addr(),
		"ORGKIT_SUPERADMIN_EMAILS": "ops@example.com", "ORGKIT_DOMAIN_RECHECK_PENDING": "1ms"}
	seedDomains(t, env, dns, "good.example.com", "missing.example.com")

	out, err := runCmd(t, env, "domains", "recheck")
	if err != nil || !strings.Contains(out, "good.example.com (organization 1): verified changed=domain.verified") ||
		!strings.Contains(out, "missing.example.com (organization 1): pending reason=record_not_found") ||
		!strings.Contains(out, "checked 2 domain(s)") {
		t.Fatalf("due pass: %q %v", out, err)
	}
	out, err = runCmd(t, env, "domains", "recheck")
	if err != nil || !strings.Contains(out, "missing.example.com") || strings.Contains(out, "good.example.com") {
		t.Fatalf("the verified domain is not due again for a day, the pending one is: %q %v", out, err)
	}
	out, err = runCmd(t, env, "domains", "recheck", "--domain", "Good.Example.com.")
	if err != nil || !strings.Contains(out, "good.example.com (organization 1): verified") || !strings.Contains(out, "checked 1 domain(s)") {
		t.Fatalf("--domain checks it now: %q %v", out, err)
	}
	if q := dns.Queries("_orgkit-verification.good.example.com"); q != 2 {
		t.Fatalf("%d lookups of the good domain, want 2", q)
	}
	out, err = runCmd(t, env, "domains", "recheck", "--domain", "nobody.example.com")
	if !errors.Is(err, domain.ErrDomainNotFound) || exitCode(err) != 1 {
		t.Fatalf("unknown domain: %q %v", out, err)
	}
	if _, err := runCmd(t, env, "domains"); exitCode(err) != 2 {
		t.Fatalf("usage: %v", err)
	}
}
