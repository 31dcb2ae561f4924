package orgkit_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/dnsverify/dnstest"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/adapters/mail/smtptest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/imagetest"
	"gorm.io/gorm"
)

// Every type of the event catalog reaches an endpoint that takes them all, once each,
// signed: the catalog is what receivers are actually sent, not only what the README lists.
func TestKit_WebhooksDeliverEveryCatalogType(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			dns, smtp := dnstest.Start(t), smtptest.Start(t)
			db := poolAt(t, gormtest.URL(t, d))
			k, p, org := acmeKit(t, orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret},
				VaultKeys: vaultKeys, Webhooks: orgkit.WebhooksConfig{AllowPrivate: true},
				Mail:        orgkit.MailConfig{SMTPURL: smtp.URL("", ""), From: "Example <no-reply@example.com>"},
				Invitations: orgkit.InvitationsConfig{URL: "https://app.example.com/invitations/{token}"},
				Domains: orgkit.DomainsConfig{Resolvers: []string{dns.Addr()}, LookupTimeout: time.Second,
					Recheck: orgkit.RecheckConfig{Disabled: true, VerifiedEvery: time.Millisecond, FailingEvery: time.Millisecond, Grace: 50 * time.Millisecond}}})
			t.Cleanup(func() {
				if t.Failed() {
					logUndelivered(t, db)
				}
			})
			all := newReceiver(t)
			_, allSecret := endpoint(t, k, p, 0, all.srv.URL)
			run(t, k)

			changeEverything(t, k, p, org)
			raiseTheRest(t, k, db, p, org, dns, smtp)

			want := map[string]bool{}
			for _, et := range domain.EventTypes {
				want[et.Type] = true
			}
			got := waitForTypes(t, all, want)
			assertOncePerID(t, got)
			for _, r := range got {
				verify(t, r, allSecret)
			}
		})
	}
}

// waitForTypes waits until rc received every type of want, and fails naming those missing.
func waitForTypes(t *testing.T, rc *receiver, want map[string]bool) []received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := rc.received()
		var missing []string
		for typ := range want {
			if !slices.ContainsFunc(got, func(r received) bool { return r.typ == typ }) {
				missing = append(missing, typ)
			}
		}
		if len(missing) == 0 {
			time.Sleep(200 * time.Millisecond) // a duplicate would show now
			return rc.received()
		}
		if time.Now().After(deadline) {
			slices.Sort(missing)
			t.Fatalf("after %d deliveries these types never arrived: %v", len(got), missing)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// raiseTheRest makes the changes changeEverything does not: organizations created and
// deleted, images, an accepted invitation, domains verified, failed and lapsed, key and
// endpoint changes, an endpoint orgkit disables, superadmins and emails moved.
func raiseTheRest(t *testing.T, k *orgkit.Kit, db *gorm.DB, p domain.Principal, org domain.Organization, dns *dnstest.Server, smtp *smtptest.Server) {
	t.Helper()
	ctx, svc := context.Background(), k.Service()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	globex, err := svc.CreateOrganization(ctx, p, domain.NewOrganization{Name: "Globex", Slug: "globex"})
	must(err)
	for _, slot := range []domain.ImageSlot{domain.ImageLogo, domain.ImageIcon} {
		_, err = svc.SetOrganizationImage(ctx, p, org.ID, slot, imagetest.PNG(32, 32))
		must(err)
		_, err = svc.RemoveOrganizationImage(ctx, p, org.ID, slot)
		must(err)
	}
	acceptInvitation(t, k, p, org, smtp)
	raiseDomainEvents(t, k, p, org, dns)

	key, err := svc.CreateAPIKey(ctx, p, org.ID, app.NewAPIKey{Title: "Mail", Service: "postmark", Secret: "pm_secret"})
	must(err)
	title := "Transactional mail"
	_, err = svc.UpdateAPIKey(ctx, p, org.ID, key.ID, app.APIKeyPatch{Title: &title})
	must(err)

	spare := newReceiver(t)
	ep, _ := endpoint(t, k, p, org.ID, spare.srv.URL, "member.added")
	description := "spare"
	_, err = svc.UpdateWebhookEndpoint(ctx, p, org.ID, ep.ID, domain.WebhookEndpointInput{Description: &description})
	must(err)
	_, _, err = svc.RotateWebhookSecret(ctx, p, org.ID, ep.ID)
	must(err)
	_, err = svc.TestWebhookEndpoint(ctx, p, org.ID, ep.ID)
	must(err)
	if got := waitForTypes(t, spare, map[string]bool{domain.EventWebhookTest: true}); len(got) != 1 {
		t.Errorf("the tested endpoint got %d deliveries, want the test event alone", len(got))
	}
	must(svc.DeleteWebhookEndpoint(ctx, p, org.ID, ep.ID))
	disableAFailingEndpoint(t, k, db, p, org)

	_, err = svc.SetSuperadmin(ctx, "erin@example.com", true)
	must(err)
	_, err = svc.SetSuperadmin(ctx, "erin@example.com", false)
	must(err)
	// dave (signed in by changeEverything) takes bob's address: released from bob, relinked to dave.
	_, err = svc.RelinkEmail(ctx, "bob@example.com", "dave")
	must(err)
	must(svc.DeleteOrganization(ctx, p, globex.ID))
}

// acceptInvitation invites erin by email and accepts with the token her mail carries.
func acceptInvitation(t *testing.T, k *orgkit.Kit, p domain.Principal, org domain.Organization, smtp *smtptest.Server) {
	t.Helper()
	ctx, svc := context.Background(), k.Service()
	if _, err := svc.CreateInvitation(ctx, p, org.ID, app.NewInvitation{Email: "erin@example.com"}); err != nil {
		t.Fatal(err)
	}
	var token []string
	for deadline := time.Now().Add(10 * time.Second); token == nil; time.Sleep(20 * time.Millisecond) {
		for _, m := range smtp.Messages() {
			if len(m.To) == 1 && m.To[0] == "erin@example.com" {
				token = inviteLink.FindStringSubmatch(m.Text)
			}
		}
		if token == nil && time.Now().After(deadline) {
			t.Fatal("no invitation mail to erin with a link")
		}
	}
	erin, err := svc.SignIn(ctx, domain.Identity{Subject: "erin", Email: "erin@example.com", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptInvitation(ctx, erin, token[1]); err != nil {
		t.Fatal(err)
	}
}

// raiseDomainEvents verifies one domain and lets it lapse, and fails another.
func raiseDomainEvents(t *testing.T, k *orgkit.Kit, p domain.Principal, org domain.Organization, dns *dnstest.Server) {
	t.Helper()
	ctx, svc := context.Background(), k.Service()
	proven, err := svc.AddDomain(ctx, p, org.ID, app.NewDomain{Name: "proven.example.com", Type: "portal"})
	if err != nil {
		t.Fatal(err)
	}
	v := svc.VerificationOf(proven)
	dns.SetTXT(v.TXTHost, v.TXTValue)
	if d, _, err := svc.VerifyDomain(ctx, p, org.ID, proven.ID); err != nil || d.Status != domain.DomainVerified {
		t.Fatalf("verify: %+v %v", d, err)
	}
	unproven, err := svc.AddDomain(ctx, p, org.ID, app.NewDomain{Name: "unproven.example.com", Type: "portal"})
	if err != nil {
		t.Fatal(err)
	}
	if d, _, err := svc.VerifyDomain(ctx, p, org.ID, unproven.ID); err != nil || d.Status != domain.DomainFailed {
		t.Fatalf("verify without a record: %+v %v", d, err)
	}
	// The record goes; background checks find it missing, then missing past the grace.
	dns.SetRcode(v.TXTHost, 0)
	deadline := time.Now().Add(10 * time.Second)
	for {
		ds, err := svc.ListDomains(ctx, p, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(ds, func(d domain.CustomDomain) bool { return d.ID == proven.ID }); ds[i].Status == domain.DomainFailed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the domain whose record went never lapsed")
		}
		if _, err := svc.RecheckDueDomains(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// disableAFailingEndpoint makes an endpoint whose receiver fails, and once its first attempt
// failed, ages its failure past the three days (and the delivery past its retries) that
// disabling takes, so that the next failed attempt disables it.
func disableAFailingEndpoint(t *testing.T, k *orgkit.Kit, db *gorm.DB, p domain.Principal, org domain.Organization) {
	t.Helper()
	ctx, svc := context.Background(), k.Service()
	down := newReceiver(t)
	down.setFailing(500)
	ep, _ := endpoint(t, k, p, org.ID, down.srv.URL, "organization.updated")
	name := "Acme Holdings"
	if _, err := svc.UpdateOrganization(ctx, p, org.ID, domain.OrganizationPatch{Name: domain.Some(name)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for aged := false; ; {
		got, err := svc.GetWebhookEndpoint(ctx, p, org.ID, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case got.Disabled:
			return
		case time.Now().After(deadline):
			t.Fatalf("the failing endpoint was never disabled: %+v", got)
		case got.FailingSince != nil && !aged:
			long := time.Now().Add(-domain.WebhookDisableAfter - time.Hour)
			if err := db.Exec("UPDATE orgkit_webhook_endpoints SET failing_since = ? WHERE id = ?", long, ep.ID).Error; err != nil {
				t.Fatal(err)
			}
			err := db.Exec("UPDATE orgkit_webhook_deliveries SET attempts = ?, next_attempt_at = ? WHERE endpoint_id = ? AND status = 'pending'",
				domain.WebhookDisableAttempts, time.Now(), ep.ID).Error
			if err != nil {
				t.Fatal(fmt.Errorf("age the delivery: %w", err))
			}
			aged = true
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logUndelivered logs the deliveries not yet delivered, to tell a slow queue from a stuck one.
func logUndelivered(t *testing.T, db *gorm.DB) {
	var rows []struct {
		ID, EndpointID, EventID int64
		OrganizationID          *int64
		Status                  string
		Attempts                int
		NextAttemptAt           *time.Time
	}
	err := db.Raw("SELECT id, endpoint_id, event_id, organization_id, status, attempts, next_attempt_at FROM orgkit_webhook_deliveries WHERE status <> 'delivered' ORDER BY id").Scan(&rows).Error
	if err != nil {
		t.Logf("undelivered: %v", err)
	}
	for _, r := range rows {
		t.Logf("undelivered: %+v", r)
	}
}
