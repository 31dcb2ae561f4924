package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
)

// TestUsersRelink: an identity re-created at the provider signs in without the address
// its old account holds; `orgkit users relink` moves it, audited, on both databases.
func TestUsersRelink(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			env := map[string]string{"ORGKIT_HTTP_ADDR": "127.0.0.1:0", "ORGKIT_DATABASE_URL": gormtest.URL(t, d),
				"ORGKIT_AUTH_HS256_SECRET": "e2e-secret-0123456789abcdef01234", "ORGKIT_SUPERADMIN_EMAILS": "root@example.com"}
			base, _, _ := startRun(t, []string{"serve"}, env)
			old := mint(t, env, "--sub", "old-ann", "--email", "ann@example.com")
			renewed := mint(t, env, "--sub", "new-ann", "--email", "Ann@example.com")
			email := func(tok string) any {
				t.Helper()
				status, me := call(t, "GET", base+"/v1/me", tok, nil)
				if status != 200 {
					t.Fatalf("me: %d %v", status, me)
				}
				return me["data"].(map[string]any)["email"]
			}
			if email(old) != "ann@example.com" || email(renewed) != nil {
				t.Fatalf("before relink: old %v, new %v", email(old), email(renewed))
			}
			var out, errb bytes.Buffer
			args := []string{"users", "relink", "--email", "ANN@example.com", "--to-sub", "new-ann"}
			if err := run(context.Background(), args, envOf(env), &out, &errb); err != nil {
				t.Fatalf("relink: %v %s", err, errb.String())
			}
			if !strings.Contains(out.String(), "now holds ann@example.com") {
				t.Fatalf("relink printed %q", out.String())
			}
			if !withinAccessTTL(func() bool { return email(renewed) == "ann@example.com" && email(old) == nil }) {
				t.Fatalf("after relink: old %v, new %v", email(old), email(renewed))
			}
			root := mint(t, env, "--sub", "root", "--email", "root@example.com")
			status, logs := call(t, "GET", base+"/v1/audit-logs?action=user.email_relinked", root, nil)
			if status != 200 || len(logs["data"].([]any)) != 1 {
				t.Fatalf("audit: %d %v", status, logs)
			}
			err := run(context.Background(), []string{"users", "relink", "--email", "ann@example.com", "--to-sub", "nobody"}, envOf(env), &out, &errb)
			if !errors.Is(err, domain.ErrUserNotFound) {
				t.Fatalf("unknown subject: %v", err)
			}
		})
	}
}

func TestUsersRelink_Usage(t *testing.T) {
	env := map[string]string{"ORGKIT_DATABASE_URL": gormtest.URL(t, gormstore.SQLite)}
	for _, args := range [][]string{{"users"}, {"users", "relink"}, {"users", "relink", "--email", "a@example.com"}, {"users", "nope"}} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, envOf(env), &out, &errb); exitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, exitCode(err), err)
		}
	}
}
