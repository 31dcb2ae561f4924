package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
	"github.com/orgkit/orgkit/domain"
)

var acceptLink = regexp.MustCompile(`accept link \(shown once\): https://app\.example\.com/accept\?token=([A-Za-z0-9_-]+)\n`)

// runInit runs `orgkit init args…` and returns its output and error.
func runInit(env map[string]string, args ...string) (string, string, error) {
	var out, errb bytes.Buffer
	err := run(context.Background(), append([]string{"init"}, args...), envOf(env), &out, &errb)
	return out.String(), errb.String(), err
}

// initState is what the database holds after init: organizations, invitations of the first,
// memberships, outbox items and the first organization's audit actions with their actors.
func initState(t *testing.T, url string) string {
	t.Helper()
	s := gormtest.OpenURL(t, url)
	sqlDB, err := s.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	count := func(table string) int {
		var n int
		if err := sqlDB.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	state := fmt.Sprintf("orgs=%d memberships=%d outbox=%d", count("orgkit_organizations"), count("orgkit_memberships"), count("orgkit_outbox"))
	ctx := context.Background()
	invs, err := s.Invitations().List(ctx, 1, domain.InvitationQuery{Page: 1, PageSize: 10}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range invs.Items {
		state += fmt.Sprintf(" invitation(%s %s %s by=%d)", i.Email, i.Role, i.Status, i.InvitedBy)
	}
	orgID := int64(1)
	recs, err := s.Audit().List(ctx, domain.AuditQuery{Page: 1, PageSize: 10, OrganizationID: &orgID})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs.Items {
		state += fmt.Sprintf(" %s(actor=%v)", r.Action, r.ActorUserID)
	}
	return state
}

// The first run creates the organization and its owner's invitation, prints the link and
// mails it; a second run changes nothing and says so; the link's token makes the user whose
// verified email was invited the owner.
func TestInit_FirstRunSecondRunAccept(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			smtp := smtptest.Start(t)
			url := gormtest.URL(t, d)
			env := map[string]string{"ORGKIT_DATABASE_URL": url, "ORGKIT_AUTH_HS256_SECRET": "init-secret-0123456789abcdef01234",
				"ORGKIT_INVITE_URL": "https://app.example.com/accept?token={token}",
				"ORGKIT_SMTP_URL":   smtp.URL("", ""), "ORGKIT_MAIL_FROM": "orgkit@example.com"}
			out, stderr, err := runInit(env, "--name", "Acme Clinic", "--slug", "acme", "--owner-email", "Owner@Example.com")
			if err != nil {
				t.Fatalf("init: %v\n%s", err, stderr)
			}
			link := acceptLink.FindStringSubmatch(out)
			if link == nil || !strings.Contains(out, `created organization 1 "Acme Clinic" (slug acme)`) ||
				!strings.Contains(out, "invited owner@example.com as owner") || !strings.Contains(out, "invitation mail: sent to owner@example.com") {
				t.Fatalf("first run said:\n%s", out)
			}
			msgs := smtp.Messages()
			if len(msgs) != 1 || msgs[0].To[0] != "owner@example.com" || !strings.Contains(msgs[0].Text, link[1]) || !strings.Contains(msgs[0].Text, "Acme Clinic as owner") {
				t.Fatalf("mail: %+v", msgs)
			}
			want := "orgs=1 memberships=0 outbox=0 invitation(owner@example.com owner pending by=0) invitation.created(actor=<nil>) organization.created(actor=<nil>)"
			if got := initState(t, url); got != want {
				t.Fatalf("after the first run:\n%s\nwant\n%s", got, want)
			}

			out, stderr, err = runInit(env, "--name", "Other", "--slug", "other", "--owner-email", "someone@example.com")
			if err != nil || !strings.Contains(out, "already initialized: 1 organization(s) exist; nothing was changed") ||
				!strings.Contains(out, `organization 1 "Acme Clinic" (slug acme, active, 0 member(s)`) || strings.Contains(out, "accept link") {
				t.Fatalf("second run: %v\n%s%s", err, out, stderr)
			}
			if got := initState(t, url); got != want {
				t.Fatalf("the second run changed:\n%s", got)
			}
			if len(smtp.Messages()) != 1 {
				t.Fatalf("the second run mailed")
			}

			env["ORGKIT_HTTP_ADDR"] = "127.0.0.1:0"
			base, _, _ := startRun(t, []string{"serve"}, env)
			stranger := mint(t, env, "--sub", "stranger", "--email", "stranger@example.com")
			if code, body := call(t, "POST", base+"/v1/invitations/"+link[1]+"/accept", stranger, nil); code != 403 {
				t.Fatalf("a stranger accepted: %d %v", code, body)
			}
			owner := mint(t, env, "--sub", "owner", "--email", "owner@example.com")
			code, body := call(t, "POST", base+"/v1/invitations/"+link[1]+"/accept", owner, nil)
			if code != 200 || body["data"].(map[string]any)["role"] != "owner" {
				t.Fatalf("accept: %d %v", code, body)
			}
			code, body = call(t, "GET", base+"/v1/organizations/1/members", owner, nil)
			members, _ := body["data"].([]any)
			if code != 200 || len(members) != 1 || members[0].(map[string]any)["role"] != "owner" {
				t.Fatalf("members: %d %v", code, body)
			}
			// The owner runs the organization: they invite an admin.
			code, body = call(t, "POST", base+"/v1/organizations/1/invitations", owner, map[string]any{"email": "admin@example.com", "role": "admin"})
			if code != 201 {
				t.Fatalf("the owner cannot invite: %d %v", code, body)
			}
		})
	}
}

// Without ORGKIT_SMTP_URL the link is printed and the operator told that no mail went.
func TestInit_WithoutSMTP(t *testing.T) {
	env := map[string]string{"ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite)}
	out, stderr, err := runInit(env, "--name", "Acme", "--slug", "acme", "--owner-email", "owner@example.com")
	if err != nil || !strings.Contains(out, "accept link (shown once): http://127.0.0.1:8080/v1/invitations/") ||
		!strings.Contains(out, "invitation mail: not sent (ORGKIT_SMTP_URL is not set); give the owner the link above") {
		t.Fatalf("%v\n%s%s", err, out, stderr)
	}
}

// Bad flags are usage errors naming the flag, and nothing is opened or written: the
// database file is not even created.
func TestInit_BadFlags(t *testing.T) {
	path := filepath.Join(t.TempDir(), "o.db")
	env := map[string]string{"ORGKIT_DATABASE_URL": "sqlite:" + path}
	for _, c := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"--slug", "acme", "--owner-email", "o@example.com"}, []string{"--name"}},
		{[]string{"--name", "Acme", "--owner-email", "o@example.com"}, []string{"--slug"}},
		{[]string{"--name", "Acme", "--slug", "acme"}, []string{"--owner-email"}},
		{[]string{"--name", "A", "--slug", "Bad Slug!", "--owner-email", "not-an-address"}, []string{"--name", "--slug", "--owner-email"}},
		{[]string{"--name", "Acme", "--slug", "admin", "--owner-email", "o@example.com"}, []string{"--slug"}},
		{[]string{"--name", "Ac\u202eme", "--slug", "acme", "--owner-email", "o@example.com"}, []string{"--name"}},
	} {
		_, _, err := runInit(env, c.args...)
		if !errors.Is(err, errUsage) || exitCode(err) != 2 {
			t.Errorf("%v: %v, want a usage error", c.args, err)
			continue
		}
		for _, f := range c.flags {
			if !strings.Contains(err.Error(), f+":") {
				t.Errorf("%v: %v does not name %s", c.args, err, f)
			}
		}
	}
	if _, _, err := runInit(env, "--name", "Acme", "--slug", "acme", "--owner-email", "o@example.com", "extra"); !errors.Is(err, errUsage) {
		t.Errorf("a positional word: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("bad flags touched the database: %v", err)
	}
	var errb bytes.Buffer
	if err := run(context.Background(), []string{"init", "--help"}, envOf(nil), &bytes.Buffer{}, &errb); !errors.Is(err, flag.ErrHelp) ||
		!strings.Contains(errb.String(), "--owner-email") {
		t.Fatalf("help: %v %s", err, errb.String())
	}
}

// Racing runs on one empty database: exactly one creates, the others report it.
func TestInit_Concurrent(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			url := gormtest.URL(t, d)
			env := map[string]string{"ORGKIT_DATABASE_URL": url}
			var out bytes.Buffer
			if err := run(context.Background(), []string{"migrate", "up"}, envOf(env), &out, &out); err != nil {
				t.Fatalf("migrate: %v %s", err, out.String())
			}
			const runs = 6
			outs := make([]string, runs)
			var wg sync.WaitGroup
			for i := range runs {
				wg.Go(func() {
					o, stderr, err := runInit(env, "--name", fmt.Sprintf("Org %d", i), "--slug", fmt.Sprintf("org-%d", i), "--owner-email", fmt.Sprintf("o%d@example.com", i))
					if err != nil {
						t.Errorf("run %d: %v %s", i, err, stderr)
					}
					outs[i] = o
				})
			}
			wg.Wait()
			created, refused := 0, 0
			for _, o := range outs {
				switch {
				case strings.Contains(o, "created organization"):
					created++
				case strings.Contains(o, "already initialized: 1 organization(s) exist"):
					refused++
				}
			}
			if created != 1 || refused != runs-1 {
				t.Fatalf("%d created, %d refused:\n%s", created, refused, strings.Join(outs, "\n"))
			}
			if got := initState(t, url); !strings.HasPrefix(got, "orgs=1 memberships=0") || strings.Count(got, "invitation(") != 1 {
				t.Fatalf("state: %s", got)
			}
		})
	}
}

// A failure at the transaction's last write (the mail into the outbox, refused by a trigger)
// leaves nothing half-made: no organization, no invitation, no audit record; a later run
// creates everything.
func TestInit_FailureLeavesNothing(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			url := gormtest.URL(t, d)
			env := map[string]string{"ORGKIT_DATABASE_URL": url}
			var out bytes.Buffer
			if err := run(context.Background(), []string{"migrate", "up"}, envOf(env), &out, &out); err != nil {
				t.Fatalf("migrate: %v %s", err, out.String())
			}
			s := gormtest.OpenURL(t, url)
			refuse := []string{"CREATE TRIGGER t_refuse BEFORE INSERT ON orgkit_outbox BEGIN SELECT RAISE(ABORT, 'outbox refused'); END"}
			undo := "DROP TRIGGER t_refuse"
			if d == gormstore.Postgres {
				refuse = []string{
					"CREATE FUNCTION t_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$",
					"CREATE TRIGGER t_refuse BEFORE INSERT ON orgkit_outbox FOR EACH ROW EXECUTE FUNCTION t_refuse()",
				}
				undo = "DROP TRIGGER t_refuse ON orgkit_outbox"
			}
			for _, stmt := range refuse {
				if err := s.Exec(context.Background(), stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			if _, _, err := runInit(env, "--name", "Acme", "--slug", "acme", "--owner-email", "o@example.com"); err == nil {
				t.Fatal("init succeeded with the outbox refused")
			}
			var orgs, invitations, audits int
			sqlDB, err := s.SQLDB()
			if err != nil {
				t.Fatal(err)
			}
			if err := sqlDB.QueryRow("SELECT (SELECT count(*) FROM orgkit_organizations), (SELECT count(*) FROM orgkit_invitations), (SELECT count(*) FROM orgkit_audit_logs)").Scan(&orgs, &invitations, &audits); err != nil {
				t.Fatal(err)
			}
			if orgs+invitations+audits != 0 {
				t.Fatalf("left behind: %d organization(s), %d invitation(s), %d audit record(s)", orgs, invitations, audits)
			}
			if err := s.Exec(context.Background(), undo); err != nil {
				t.Fatal(err)
			}
			if o, stderr, err := runInit(env, "--name", "Acme", "--slug", "acme", "--owner-email", "o@example.com"); err != nil || !strings.Contains(o, "created organization") {
				t.Fatalf("after the failure: %v %s%s", err, o, stderr)
			}
		})
	}
}

// A mail server that refuses the mail leaves it in the outbox for `orgkit serve`, and init
// says so; the organization and the link stand.
func TestInit_MailRefused(t *testing.T) {
	smtp := smtptest.Start(t)
	smtp.FailNext(1)
	url := gormtest.URL(t, gormstore.SQLite)
	env := map[string]string{"ORGKIT_DATABASE_URL": url, "ORGKIT_SMTP_URL": smtp.URL("", ""), "ORGKIT_MAIL_FROM": "orgkit@example.com"}
	out, stderr, err := runInit(env, "--name", "Acme", "--slug", "acme", "--owner-email", "owner@example.com")
	if err != nil || !strings.Contains(out, "created organization 1") ||
		!strings.Contains(out, "invitation mail: not sent yet (see the warning above); `orgkit serve` retries it") ||
		!strings.Contains(stderr, "outbox delivery failed") {
		t.Fatalf("%v\n%s%s", err, out, stderr)
	}
	if got := initState(t, url); !strings.HasPrefix(got, "orgs=1 memberships=0 outbox=1 ") {
		t.Fatalf("state: %s", got)
	}
}
