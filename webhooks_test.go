package orgkit_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

var vaultKeys = "k1:" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

// received is one request a receiver took.
type received struct {
	id, typ   string
	org       *int64
	signature string
	body      []byte
	header    http.Header
}

// receiver is a webhook receiver on loopback. It answers 204, or failWith while failing;
// it verifies nothing itself: tests check signatures with the secrets they hold.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []received
	// failWith, when not 0, is the status answered instead of 204.
	failWith int
	delay    time.Duration
	// inFlight counts requests being handled per organization, to catch overlaps.
	inFlight map[string]int
	overlaps []string
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{inFlight: map[string]int{}}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var env struct {
		ID             string `json:"id"`
		Type           string `json:"type"`
		OrganizationID *int64 `json:"organization_id"`
	}
	_ = json.Unmarshal(body, &env) // a body that is not JSON shows as an empty id
	group := fmt.Sprint(env.OrganizationID)
	if env.OrganizationID != nil {
		group = fmt.Sprint(*env.OrganizationID)
	}
	rc.mu.Lock()
	rc.inFlight[group]++
	if rc.inFlight[group] > 1 {
		rc.overlaps = append(rc.overlaps, env.ID)
	}
	status, delay := rc.failWith, rc.delay
	if status == 0 {
		rc.got = append(rc.got, received{id: env.ID, typ: env.Type, org: env.OrganizationID,
			signature: r.Header.Get("webhook-signature"), body: body, header: r.Header.Clone()})
	}
	rc.mu.Unlock()
	time.Sleep(delay)
	rc.mu.Lock()
	rc.inFlight[group]--
	rc.mu.Unlock()
	if status == 0 {
		status = http.StatusNoContent
	}
	w.WriteHeader(status)
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func (rc *receiver) setFailing(status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.failWith = status
}

// waitFor waits until the receiver holds n requests, and fails the test after a while.
func (rc *receiver) waitFor(t *testing.T, n int) []received {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := rc.received()
		if len(got) >= n {
			time.Sleep(100 * time.Millisecond) // a delivery beyond n would show now
			return rc.received()
		}
		if time.Now().After(deadline) {
			t.Fatalf("the receiver got %d deliveries, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// webhookKit is acmeKit with a vault and webhooks to loopback receivers.
func webhookKit(t *testing.T, url string) (*orgkit.Kit, domain.Principal, domain.Organization) {
	t.Helper()
	return acmeKit(t, orgkit.Config{DB: poolAt(t, url), Auth: orgkit.AuthConfig{HS256Secret: secret}, VaultKeys: vaultKeys,
		Webhooks: orgkit.WebhooksConfig{AllowPrivate: true}, Domains: orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: true}}})
}

func endpoint(t *testing.T, k *orgkit.Kit, p domain.Principal, orgID int64, url string, types ...string) (domain.WebhookEndpoint, string) {
	t.Helper()
	in := domain.WebhookEndpointInput{URL: &url}
	if len(types) > 0 {
		in.EventTypes = &types
	}
	ep, secret, err := k.Service().CreateWebhookEndpoint(context.Background(), p, orgID, in)
	if err != nil {
		t.Fatal(err)
	}
	return ep, secret
}

// changeEverything makes one change of many kinds in org, as p, and returns the event types
// they raise, in order.
func changeEverything(t *testing.T, k *orgkit.Kit, p domain.Principal, org domain.Organization) []string {
	t.Helper()
	ctx, svc := context.Background(), k.Service()
	name := "Acme Corp"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.UpdateOrganization(ctx, p, org.ID, domain.OrganizationPatch{Name: domain.Some(name)})
	must(err)
	bob, err := svc.SignIn(ctx, domain.Identity{Subject: "bob", Email: "bob@example.com", EmailVerified: true})
	must(err)
	_, err = svc.AddMember(ctx, p, org.ID, bob.User.ID, domain.RoleMember)
	must(err)
	_, err = svc.UpdateMemberRole(ctx, p, org.ID, bob.User.ID, domain.RoleAdmin)
	must(err)
	must(svc.RemoveMember(ctx, p, org.ID, bob.User.ID))
	inv, err := svc.CreateInvitation(ctx, p, org.ID, app.NewInvitation{Email: "carol@example.com"})
	must(err)
	_, err = svc.ResendInvitation(ctx, p, org.ID, inv.ID)
	must(err)
	must(svc.RevokeInvitation(ctx, p, org.ID, inv.ID))
	link, code, err := svc.CreateInvite(ctx, p, org.ID, domain.NewInvite{Role: domain.RoleMember})
	must(err)
	dave, err := svc.SignIn(ctx, domain.Identity{Subject: "dave", Email: "dave@example.com", EmailVerified: true})
	must(err)
	_, err = svc.AcceptInvite(ctx, dave, code)
	must(err)
	disabled := true
	_, err = svc.UpdateInvite(ctx, p, org.ID, link.ID, domain.InvitePatch{Disabled: &disabled})
	must(err)
	d, err := svc.AddDomain(ctx, p, org.ID, app.NewDomain{Name: "acme.example.com", Type: "portal"})
	must(err)
	must(svc.DeleteDomain(ctx, p, org.ID, d.ID))
	key, err := svc.CreateAPIKey(ctx, p, org.ID, app.NewAPIKey{Title: "Stripe", Service: "stripe", Secret: "sk_live_first"})
	must(err)
	rotated := "sk_live_second"
	_, err = svc.UpdateAPIKey(ctx, p, org.ID, key.ID, app.APIKeyPatch{Secret: &rotated})
	must(err)
	must(svc.DeleteAPIKey(ctx, p, org.ID, key.ID))
	return []string{"organization.updated", "member.added", "member.role_changed", "member.removed",
		"invitation.created", "invitation.resent", "invitation.revoked", "invite_link.created", "invite_link.accepted",
		"invite_link.updated", "domain.added", "domain.removed",
		"api_key.created", "api_key.rotated", "api_key.deleted"}
}

func verify(t *testing.T, r received, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(r.body, r.header); err != nil {
			t.Errorf("%s %s does not verify with a secret: %v", r.typ, r.id, err)
		}
	}
}

// Every change reaches the organization's endpoint and the platform's once, signed, in the
// order it was made, with its data as the API shows it and never a secret; the last of them,
// the organization's deletion, reaches its own endpoint too.
func TestKit_WebhooksDeliverEveryChangeOnceInOrder(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			k, p, org := webhookKit(t, gormtest.URL(t, d))
			platform, orgHook := newReceiver(t), newReceiver(t)
			_, platformSecret := endpoint(t, k, p, 0, platform.srv.URL)
			_, orgSecret := endpoint(t, k, p, org.ID, orgHook.srv.URL+"/hooks?token=abc")
			run(t, k)
			want := append([]string{"webhook_endpoint.created"}, changeEverything(t, k, p, org)...)
			if err := k.Service().DeleteOrganization(context.Background(), p, org.ID); err != nil {
				t.Fatal(err)
			}
			want = append(want, "organization.deleted")

			got := orgHook.waitFor(t, len(want))
			if types := typesOf(got); !slices.Equal(types, want) {
				t.Errorf("organization endpoint got\n%v\nwant\n%v", types, want)
			}
			// The platform endpoint also saw the organization endpoint's creation (platform
			// events and the organization's).
			all := platform.waitFor(t, len(want)+1)
			if len(all) != len(want)+1 {
				t.Errorf("platform endpoint got %d deliveries, want %d", len(all), len(want)+1)
			}
			for _, r := range got {
				verify(t, r, orgSecret)
				if strings.Contains(string(r.body), "sk_live") || strings.Contains(string(r.body), "whsec_") {
					t.Errorf("%s carries a secret: %s", r.typ, r.body)
				}
			}
			for _, r := range all {
				verify(t, r, platformSecret)
			}
			assertOncePerID(t, got)
			assertOncePerID(t, all)
			assertPayload(t, got)
		})
	}
}

func typesOf(rs []received) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.typ
	}
	return out
}

func assertOncePerID(t *testing.T, rs []received) {
	t.Helper()
	seen := map[string]int{}
	for _, r := range rs {
		if !strings.HasPrefix(r.id, "evt_") || r.header.Get("webhook-id") != r.id {
			t.Errorf("event id %q, webhook-id %q", r.id, r.header.Get("webhook-id"))
		}
		if seen[r.id]++; seen[r.id] > 1 {
			t.Errorf("event %s (%s) delivered %d times", r.id, r.typ, seen[r.id])
		}
	}
}

// assertPayload checks the envelope of every delivery and the data of a few types.
func assertPayload(t *testing.T, rs []received) {
	t.Helper()
	for _, r := range rs {
		var env map[string]json.RawMessage
		if err := json.Unmarshal(r.body, &env); err != nil {
			t.Fatal(err)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range env {
				if !yield(k) {
					return
				}
			}
		})
		if !slices.Equal(keys, []string{"actor", "created_at", "data", "id", "organization_id", "type"}) {
			t.Errorf("%s envelope keys %v", r.typ, keys)
		}
		var actor struct {
			UserID *int64  `json:"user_id"`
			Email  *string `json:"email"`
		}
		who := "root@example.com"
		if r.typ == "invite_link.accepted" {
			who = "dave@example.com" // the new member accepted
		}
		if err := json.Unmarshal(env["actor"], &actor); err != nil || actor.Email == nil || *actor.Email != who {
			t.Errorf("%s actor %s", r.typ, env["actor"])
		}
	}
}

// A receiver that is down gets everything once it is back, and changes committed by a
// process that stopped before delivering them are delivered by the next one: nothing is
// lost between commit and delivery.
func TestKit_WebhooksSurviveAStopAndADownReceiver(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			url := gormtest.URL(t, d)
			first, p, org := webhookKit(t, url)
			rc := newReceiver(t)
			endpoint(t, first, p, org.ID, rc.srv.URL)
			// The first process commits changes and stops before it delivers any (it never
			// runs Run).
			want := changeEverything(t, first, p, org)

			second, err := orgkit.New(context.Background(), orgkit.Config{DB: poolAt(t, url), Auth: orgkit.AuthConfig{HS256Secret: secret},
				VaultKeys: vaultKeys, Webhooks: orgkit.WebhooksConfig{AllowPrivate: true}})
			if err != nil {
				t.Fatal(err)
			}
			rc.setFailing(http.StatusServiceUnavailable)
			run(t, second)
			time.Sleep(500 * time.Millisecond) // the first attempt fails
			if n := len(rc.received()); n != 0 {
				t.Fatalf("%d delivered while the receiver was down", n)
			}
			rc.setFailing(0) // back: the retry after about 5 seconds succeeds
			got := rc.waitFor(t, len(want)+1)
			if types := typesOf(got); !slices.Equal(types, append([]string{"webhook_endpoint.created"}, want...)) {
				t.Errorf("got %v", types)
			}
			assertOncePerID(t, got)
		})
	}
}

// A retried delivery arrives again with the same webhook-id, so receivers deduplicate; a
// rotated secret signs next to the old one for the overlap.
func TestKit_WebhookRetryAndRotation(t *testing.T) {
	k, p, org := webhookKit(t, gormtest.URL(t, gormstore.SQLite))
	ctx := context.Background()
	rc := newReceiver(t)
	ep, oldSecret := endpoint(t, k, p, org.ID, rc.srv.URL, "organization.updated")
	run(t, k)
	if _, err := k.Service().UpdateOrganization(ctx, p, org.ID, domain.OrganizationPatch{Name: domain.Some("Acme 2")}); err != nil {
		t.Fatal(err)
	}
	first := rc.waitFor(t, 1)
	page, err := k.Service().ListWebhookDeliveries(ctx, p, org.ID, ep.ID, domain.DeliveryQuery{})
	if err != nil || len(page.Items) != 1 || page.Items[0].Status != domain.DeliveryDelivered || len(page.Items[0].AttemptLog) != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	if a := page.Items[0].AttemptLog[0]; a.StatusCode != http.StatusNoContent || a.Latency <= 0 {
		t.Errorf("attempt %+v", a)
	}
	if _, err := k.Service().RetryWebhookDelivery(ctx, p, org.ID, ep.ID, page.Items[0].ID); err != nil {
		t.Fatal(err)
	}
	again := rc.waitFor(t, 2)
	if again[1].id != first[0].id || again[1].header.Get("webhook-id") != first[0].header.Get("webhook-id") {
		t.Errorf("a retry carries %q, the first delivery %q", again[1].header.Get("webhook-id"), first[0].header.Get("webhook-id"))
	}

	_, newSecret, err := k.Service().RotateWebhookSecret(ctx, p, org.ID, ep.ID)
	if err != nil || newSecret == oldSecret || !strings.HasPrefix(newSecret, "whsec_") {
		t.Fatalf("%q %v", newSecret, err)
	}
	if _, err := k.Service().UpdateOrganization(ctx, p, org.ID, domain.OrganizationPatch{Name: domain.Some("Acme 3")}); err != nil {
		t.Fatal(err)
	}
	rotated := rc.waitFor(t, 3)[2]
	if n := len(strings.Fields(rotated.signature)); n != 2 {
		t.Errorf("signature %q: want 2 during the overlap", rotated.signature)
	}
	verify(t, rotated, oldSecret, newSecret)
}

// Two replicas on one Postgres deliver each event once and never two of one organization's
// events to one endpoint at the same time, in order.
func TestKit_WebhooksTwoReplicasDeliverOnceInOrder(t *testing.T) {
	url := gormtest.URL(t, gormstore.Postgres)
	k, p, _ := webhookKit(t, url)
	rc := newReceiver(t)
	rc.delay = 5 * time.Millisecond
	endpoint(t, k, p, 0, rc.srv.URL)
	other, err := orgkit.New(context.Background(), orgkit.Config{DB: poolAt(t, url), Auth: orgkit.AuthConfig{HS256Secret: secret},
		VaultKeys: vaultKeys, Webhooks: orgkit.WebhooksConfig{AllowPrivate: true}})
	if err != nil {
		t.Fatal(err)
	}
	run(t, k)
	run(t, other)
	ctx := context.Background()
	var orgs []int64
	for i := range 3 {
		o, err := k.Service().CreateOrganization(ctx, p, domain.NewOrganization{Name: fmt.Sprintf("Org %d", i), Slug: fmt.Sprintf("org-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		orgs = append(orgs, o.ID)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 3*10)
	for i, id := range orgs {
		svc := []*app.Service{k.Service(), other.Service()}[i%2]
		wg.Go(func() {
			for n := range 10 {
				if _, err := svc.UpdateOrganization(ctx, p, id, domain.OrganizationPatch{Name: domain.Some(fmt.Sprintf("Org %d v%d", i, n))}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// acme's creation preceded the endpoint; then its own creation, 3 organizations' and 30
	// updates.
	got := rc.waitFor(t, 34)
	if len(got) != 34 {
		t.Fatalf("got %d deliveries, want 34", len(got))
	}
	assertOncePerID(t, got)
	rc.mu.Lock()
	overlaps := slices.Clone(rc.overlaps)
	rc.mu.Unlock()
	if len(overlaps) > 0 {
		t.Errorf("deliveries of one organization overlapped: %v", overlaps)
	}
	page, err := k.Service().ListAllEvents(ctx, p, domain.EventQuery{PageSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	order := map[string]int{} // event id → position in the stream (newest first)
	for i, e := range page.Items {
		order[e.PublicID] = -i
	}
	last := map[int64]int{}
	for _, r := range got {
		if r.org == nil {
			continue
		}
		if pos, ok := last[*r.org]; ok && order[r.id] < pos {
			t.Errorf("organization %d: %s delivered out of order", *r.org, r.id)
		}
		last[*r.org] = order[r.id]
	}
}

// Targets on private addresses are refused unless allowed.
func TestKit_WebhookEndpointsRefusePrivateTargets(t *testing.T) {
	k, p, org := acmeKit(t, orgkit.Config{DB: poolAt(t, gormtest.URL(t, gormstore.SQLite)), Auth: orgkit.AuthConfig{HS256Secret: secret}, VaultKeys: vaultKeys})
	for _, url := range []string{"http://hooks.example.com/", "https://127.0.0.1/hook", "https://[::1]/", "https://169.254.169.254/latest",
		"https://10.1.2.3/", "https://localhost/hook", "ftp://hooks.example.com/"} {
		_, _, err := k.Service().CreateWebhookEndpoint(context.Background(), p, org.ID, domain.WebhookEndpointInput{URL: &url})
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeValidation || len(de.Details) != 1 || de.Details[0].Field != "url" {
			t.Errorf("%s: %v", url, err)
		}
	}
}

// After a vault key rotation (`orgkit vault rotate`) the old key can go: webhook signing
// secrets are re-sealed with the new one and deliveries still verify.
func TestKit_VaultRotationResealsWebhookSecrets(t *testing.T) {
	url := gormtest.URL(t, gormstore.SQLite)
	k, p, org := webhookKit(t, url)
	ctx := context.Background()
	rc := newReceiver(t)
	_, whsec := endpoint(t, k, p, org.ID, rc.srv.URL, "organization.updated")
	newKey := "k2:" + base64.StdEncoding.EncodeToString([]byte("fedcba9876543210fedcba9876543210"))
	kitWith := func(keys string) *orgkit.Kit {
		k, err := orgkit.New(ctx, orgkit.Config{DB: poolAt(t, url), Auth: orgkit.AuthConfig{HS256Secret: secret},
			VaultKeys: keys, Webhooks: orgkit.WebhooksConfig{AllowPrivate: true}})
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	if n, err := kitWith(newKey+","+vaultKeys).Service().RotateVault(ctx, 10); err != nil || n != 1 {
		t.Fatalf("re-sealed %d: %v", n, err)
	}
	only := kitWith(newKey)
	run(t, only)
	if _, err := only.Service().UpdateOrganization(ctx, p, org.ID, domain.OrganizationPatch{Name: domain.Some("Acme 2")}); err != nil {
		t.Fatal(err)
	}
	verify(t, rc.waitFor(t, 1)[0], whsec)
}

// A host's service sends its organizations' changes to webhook endpoints: the endpoints'
// secrets are sealed by VaultKeys, and Run delivers.
func ExampleWebhooksConfig() {
	ctx := context.Background()
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostPool(), VaultKeys: os.Getenv("ORGKIT_VAULT_KEYS"),
		Webhooks: orgkit.WebhooksConfig{Timeout: 5 * time.Second}})
	if err != nil {
		log.Fatal(err)
	}
	k.Register(gin.Default())      // …/webhook-endpoints, …/events
	go func() { _ = k.Run(ctx) }() // delivers as each change commits, retries every WebhookPollEvery
}

// An owner has at most domain.WebhookMaxEndpoints endpoints: each change fans out to all.
func TestKit_WebhookEndpointsAreBounded(t *testing.T) {
	k, p, org := webhookKit(t, gormtest.URL(t, gormstore.SQLite))
	url := "https://hooks.example.com/"
	for range domain.WebhookMaxEndpoints {
		endpoint(t, k, p, org.ID, url)
	}
	_, _, err := k.Service().CreateWebhookEndpoint(context.Background(), p, org.ID, domain.WebhookEndpointInput{URL: &url})
	if domain.CodeOf(err) != domain.CodeValidation {
		t.Fatalf("endpoint %d: %v", domain.WebhookMaxEndpoints+1, err)
	}
	if _, _, err := k.Service().CreateWebhookEndpoint(context.Background(), p, 0, domain.WebhookEndpointInput{URL: &url}); err != nil {
		t.Fatalf("the platform's own bound is separate: %v", err)
	}
}
