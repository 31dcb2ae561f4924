package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
)

// invite creates an organization as boss@example.com and invites colleague@example.com.
func invite(t *testing.T, base string, env map[string]string) {
	t.Helper()
	tok := mint(t, env, "--sub", "boss", "--email", "boss@example.com")
	code, body := call(t, "POST", base+"/v1/organizations", tok, map[string]any{"name": "Acme", "slug": "acme"})
	if code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	orgID := int64(body["data"].(map[string]any)["id"].(float64))
	code, body = call(t, "POST", fmt.Sprintf("%s/v1/organizations/%d/invitations", base, orgID), tok,
		map[string]any{"email": "colleague@example.com", "role": "member"})
	if code != 201 {
		t.Fatalf("invite: %d %v", code, body)
	}
}

// The binary sends invitation mail through ORGKIT_SMTP_URL from ORGKIT_MAIL_FROM, with the
// link of ORGKIT_INVITE_URL, and the link's token lets the invitee in.
func TestServe_MailsInvitations(t *testing.T) {
	smtp := smtptest.Start(t)
	smtp.RequireAuth("orgkit", "p@ss")
	env := map[string]string{
		"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite),
		"ORGKIT_AUTH_HS256_SECRET": "mail-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com",
		"ORGKIT_SMTP_URL": smtp.URL("orgkit", "p@ss"), "ORGKIT_MAIL_FROM": "Acme <no-reply@example.com>",
		"ORGKIT_INVITE_URL": "https://app.example.com/accept?token={token}",
	}
	base, _, _ := startRun(t, []string{"serve"}, env)
	invite(t, base, env)
	m := smtp.Wait(t, 1, 10*time.Second)[0]
	if m.From != "no-reply@example.com" || len(m.To) != 1 || m.To[0] != "colleague@example.com" {
		t.Fatalf("envelope: %+v", m)
	}
	link := regexp.MustCompile(`https://app\.example\.com/accept\?token=([A-Za-z0-9_-]+)`).FindStringSubmatch(m.Text)
	if link == nil {
		t.Fatalf("no link in %q", m.Text)
	}
	tok := mint(t, env, "--sub", "colleague", "--email", "colleague@example.com")
	if code, body := call(t, "POST", base+"/v1/invitations/"+link[1]+"/accept", tok, nil); code != 200 {
		t.Fatalf("accept: %d %v", code, body)
	}
}

// Without SMTP, mail is logged; its text (the link and its token) only under serve --dev.
func TestServe_LogsMailWithoutSMTP(t *testing.T) {
	for _, dev := range []bool{false, true} {
		t.Run(fmt.Sprintf("dev=%v", dev), func(t *testing.T) {
			dir := t.TempDir()
			env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(dir, "o.db"),
				"ORGKIT_DATA_DIR": filepath.Join(dir, "data"), "ORGKIT_SUPERADMIN_EMAILS": "boss@example.com"}
			args := []string{"serve"}
			if dev {
				args = append(args, "--dev")
			} else {
				env["ORGKIT_AUTH_HS256_SECRET"] = "log-secret-0123456789abcdef012345"
			}
			base, _, stderr := startRun(t, args, env)
			invite(t, base, env)
			deadline := time.Now().Add(10 * time.Second)
			for !strings.Contains(stderr.String(), "mail not sent") {
				if time.Now().After(deadline) {
					t.Fatalf("no mail logged:\n%s", stderr.String())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := strings.Contains(stderr.String(), "/v1/invitations/"); got != dev {
				t.Fatalf("link logged: %v, want %v:\n%s", got, dev, stderr.String())
			}
		})
	}
}
