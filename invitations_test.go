package orgkit_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
)

// mailReplica is one orgkit process on url sending mail to smtp, serving its API.
func mailReplica(t *testing.T, url string, smtp *smtptest.Server, hooks orgkit.Hooks) (*orgkit.Kit, *httptest.Server) {
	t.Helper()
	db := poolAt(t, url)
	k, err := orgkit.New(context.Background(), orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{"ops@example.com"}, Hooks: hooks,
		Mail:        orgkit.MailConfig{SMTPURL: smtp.URL("", ""), From: "Example <no-reply@example.com>"},
		Invitations: orgkit.InvitationsConfig{URL: "https://app.example.com/invitations/{token}"},
		Domains:     orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	k.Register(r)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return k, srv
}

// run runs k's background work until the test ends.
func run(t *testing.T, k *orgkit.Kit) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

var inviteLink = regexp.MustCompile(`https://app\.example\.com/invitations/([A-Za-z0-9_-]+)`)

// The README's walk-through: an owner invites a colleague by email, the mail leaves
// through SMTP once the change commits, and the colleague accepts with the link's token.
func TestKit_InviteAColleagueEndToEnd(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			smtp := smtptest.Start(t)
			var mu sync.Mutex
			var committed []string
			k, srv := mailReplica(t, gormtest.URL(t, d), smtp, orgkit.Hooks{AfterCommit: func(_ context.Context, e orgkit.Event) {
				mu.Lock()
				defer mu.Unlock()
				committed = append(committed, e.Action)
			}})
			run(t, k)
			ops := mint(t, "ops", "ops@example.com")
			status, body := call(t, srv, "POST", "/v1/organizations", ops, `{"name":"Acme Clinic","slug":"acme"}`)
			if status != 201 {
				t.Fatalf("create: %d %v", status, body)
			}
			orgID := int64(body["data"].(map[string]any)["id"].(float64))
			status, body = call(t, srv, "POST", fmt.Sprintf("/v1/organizations/%d/invitations", orgID), ops,
				`{"email":"Colleague@Example.com","role":"admin"}`)
			if status != 201 || body["data"].(map[string]any)["status"] != "pending" {
				t.Fatalf("invite: %d %v", status, body)
			}
			msgs := smtp.Wait(t, 1, 10*time.Second)
			m := msgs[0]
			if len(m.To) != 1 || m.To[0] != "colleague@example.com" || !strings.Contains(m.Subject, "Acme Clinic") ||
				!strings.Contains(m.Text, "ops@example.com") {
				t.Fatalf("mail: %+v", m)
			}
			link := inviteLink.FindStringSubmatch(m.Text)
			if link == nil {
				t.Fatalf("no link in %q", m.Text)
			}
			colleague := mint(t, "colleague", "colleague@example.com")
			status, body = call(t, srv, "POST", "/v1/invitations/"+link[1]+"/accept", colleague, "")
			if status != 200 || body["data"].(map[string]any)["role"] != "admin" {
				t.Fatalf("accept: %d %v", status, body)
			}
			status, body = call(t, srv, "GET", fmt.Sprintf("/v1/organizations/%d/members", orgID), colleague, "")
			if status != 200 || len(body["data"].([]any)) != 2 {
				t.Fatalf("members: %d %v", status, body)
			}
			mu.Lock()
			defer mu.Unlock()
			if got := strings.Join(committed, ","); got != "organization.created,invitation.created,invitation.accepted" {
				t.Fatalf("AfterCommit saw %s", got)
			}
		})
	}
}

// Mail committed while no process delivers (a crash right after commit) is sent by the
// next Run, once, however many replicas run.
func TestKit_OutboxSurvivesACrashAndSendsOnce(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			smtp := smtptest.Start(t)
			url := gormtest.URL(t, d)
			_, srv := mailReplica(t, url, smtp, orgkit.Hooks{}) // never runs its background work
			ops := mint(t, "ops", "ops@example.com")
			status, body := call(t, srv, "POST", "/v1/organizations", ops, `{"name":"Acme","slug":"acme"}`)
			if status != 201 {
				t.Fatalf("create: %d %v", status, body)
			}
			orgID := int64(body["data"].(map[string]any)["id"].(float64))
			const n = 12
			for i := range n {
				status, body = call(t, srv, "POST", fmt.Sprintf("/v1/organizations/%d/invitations", orgID), ops,
					fmt.Sprintf(`{"email":"c%d@example.com","role":"member"}`, i))
				if status != 201 {
					t.Fatalf("invite %d: %d %v", i, status, body)
				}
			}
			if got := len(smtp.Messages()); got != 0 {
				t.Fatalf("%d mails sent without Run", got)
			}
			for range 2 {
				k, _ := mailReplica(t, url, smtp, orgkit.Hooks{})
				run(t, k)
			}
			smtp.Wait(t, n, 15*time.Second)
			time.Sleep(200 * time.Millisecond) // a second delivery would have arrived by now
			seen := map[string]int{}
			for _, m := range smtp.Messages() {
				seen[m.To[0]]++
			}
			if len(seen) != n {
				t.Fatalf("%d recipients, want %d: %v", len(seen), n, seen)
			}
			for to, c := range seen {
				if c != 1 {
					t.Errorf("%s got %d mails, want 1", to, c)
				}
			}
		})
	}
}
