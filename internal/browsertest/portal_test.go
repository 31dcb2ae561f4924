package browsertest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orgkit/orgkit/internal/imagetest"
)

const (
	adminEmail  = "dev@orgkit.local" // the superadmin of serve --dev
	memberEmail = "mia@member.test"
	orgName     = "Acme Clinic"
	domainName  = "clinic.acme.example"
	apiSecret   = "sk_live_browsertest_0123456789abcdef"
)

// admin-only forms: none may appear to a member without admin rights.
const adminControls = `#create-organization, form[id^="set-status-"], #upload-logo, #upload-icon, #update-profile,
	form[id^="delete-"], form[id^="change-role-"], form[id^="remove-member-"], #invite-member, #create-invite,
	#add-domain, form[id^="verify-domain-"], #create-api-key, form[id^="rotate-api-key"], #create-webhook`

// portalRun is the state the scenario carries from one step to the next.
type portalRun struct {
	t       *testing.T
	srv     *server
	admin   *tab
	member  *tab
	orgPath string            // /portal/organizations/{id}
	weights map[string]bool   // scripts and stylesheets seen on any page
	audited map[string]string // audit action -> the step that caused it
}

// TestPortal walks the admin portal as its users would, in the real binary: a visitor is
// told how to sign in; the superadmin signs in, creates an organization, uploads a logo and sees it, invites a member by email;
// the member signs in from the mailed link and accepts, and sees no admin control; forged
// form posts are refused; the admin changes the member's role, adds and verifies a domain
// against loopback DNS, reveals an API key after confirming, sends a webhook endpoint on a
// loopback receiver its test event and retries it, and finds each of these in the audit log. Every page passes axe-core and is photographed at both sizes.
func TestPortal(t *testing.T) {
	srv := startServer(t)
	browser := startBrowser(t)
	r := &portalRun{t: t, srv: srv, weights: map[string]bool{}, audited: map[string]string{}}
	r.admin = newTab(t, browser, srv)
	r.signedOut(r.admin)
	r.admin.signIn(adminEmail, "Dev Admin")
	r.admin.inspect("switcher", r.weights)

	r.createOrganization()
	r.uploadLogo()
	link := r.inviteMember()
	r.member = newTab(t, browser, srv)
	r.acceptInvitation(link)
	r.memberSeesNoAdminControls()
	r.forgedPostsRefused()
	r.changeRole()
	r.verifyDomain()
	r.revealAPIKey()
	r.webhooks()
	r.auditShowsEverything()
	r.pageWeight()
}

// createOrganization uses the superadmin's create form and finds the new organization.
func (r *portalRun) createOrganization() {
	a := r.admin
	a.fill("#create-organization input[name=name]", orgName)
	a.fill("#create-organization input[name=slug]", "acme-clinic")
	status := a.submit(chromedp.Click(chromedp.CSS("#create-organization [type=submit]")))
	if status != 200 {
		r.t.Fatalf("create organization: %d\n%s", status, a.text("main"))
	}
	a.expectPage(a.open("/portal/"), 200, "switcher")
	href := eval[string](a, `[...document.querySelectorAll('main a')].find(l => l.innerText.trim() === `+jsString(orgName)+`)?.getAttribute('href') ?? ''`)
	if !regexp.MustCompile(`^/portal/organizations/\d+$`).MatchString(href) {
		r.t.Fatalf("the switcher has no link to %s (got %q):\n%s", orgName, href, a.text("main"))
	}
	r.orgPath = href
	r.audited["organization.created"] = "create organization"
}

// uploadLogo uploads a PNG on the profile page and checks the browser loads it.
func (r *portalRun) uploadLogo() {
	a := r.admin
	a.expectPage(a.open(r.orgPath), 200, "profile")
	file := filepath.Join(r.t.TempDir(), "logo.png")
	if err := os.WriteFile(file, imagetest.PNG(96, 64), 0o644); err != nil {
		r.t.Fatal(err)
	}
	a.do(chromedp.SetUploadFiles(chromedp.CSS(`#upload-logo input[type=file][name=logo]`), []string{file}))
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#upload-logo [type=submit]"))), 200, "profile")
	width := eval[int](a, `(async () => {
		const img = document.querySelector('main img[alt*="logo" i]');
		if (!img) return -1;
		await img.decode().catch(() => {});
		return img.naturalWidth; })()`)
	if width != 96 {
		r.t.Fatalf("logo: naturalWidth %d, want 96 (-1: no logo image on the profile)", width)
	}
	a.inspect("profile", r.weights)
	r.audited["organization.updated"] = "upload logo"
}

var inviteLink = regexp.MustCompile(`http://127\.0\.0\.1:\d+/portal/invitations/[^\s"<>]+`)

// inviteMember invites memberEmail as a member and returns the link from the mail it gets.
func (r *portalRun) inviteMember() string {
	a := r.admin
	a.expectPage(a.open(r.orgPath+"/invitations"), 200, "invitations")
	a.fill("#invite-member input[name=email]", memberEmail)
	a.choose("#invite-member select[name=role]", "member")
	a.expectPage(a.submit(chromedp.Click(chromedp.CSS("#invite-member [type=submit]"))), 200, "invitations")
	if !strings.Contains(a.text("main"), memberEmail) {
		r.t.Fatalf("the invitations page does not list %s:\n%s", memberEmail, a.text("main"))
	}
	a.inspect("invitations", r.weights)
	msgs := r.srv.smtp.Wait(r.t, 1, 30*time.Second)
	if len(msgs[0].To) != 1 || msgs[0].To[0] != memberEmail {
		r.t.Fatalf("invitation mailed to %v, want %s", msgs[0].To, memberEmail)
	}
	link := inviteLink.FindString(msgs[0].Text)
	if link == "" {
		r.t.Fatalf("no portal invitation link in the mail:\n%s", msgs[0].Text)
	}
	r.audited["invitation.created"] = "invite member"
	return link
}

// acceptInvitation signs the member in and accepts on the page the mailed link opens.
func (r *portalRun) acceptInvitation(link string) {
	m := r.member
	m.signIn(memberEmail, "Mia Member")
	m.expectPage(m.open(link), 200, "invitation")
	if txt := m.text("main"); !strings.Contains(txt, orgName) || !strings.Contains(strings.ToLower(txt), "member") {
		r.t.Fatalf("the invitation page should name %s and the role member:\n%s", orgName, txt)
	}
	m.inspect("invitation", r.weights)
	status := m.submit(chromedp.Click(chromedp.CSS(`main[data-page=invitation] form [type=submit]`)))
	if status != 200 {
		r.t.Fatalf("accept: %d at %s\n%s", status, m.location(), m.text("main"))
	}
	m.expectPage(m.open(r.orgPath), 200, "profile")
	r.audited["invitation.accepted"] = "accept invitation"
}

// memberSeesNoAdminControls opens every organization page as the member: each either
// refuses (403) or shows no admin-only form.
func (r *portalRun) memberSeesNoAdminControls() {
	m := r.member
	for _, page := range []string{"", "/members", "/invitations", "/domains", "/api-keys", "/audit", "/webhooks"} {
		status := m.open(r.orgPath + page)
		if status == 403 {
			continue
		}
		if status != 200 {
			r.t.Fatalf("member opens %s: %d", r.orgPath+page, status)
		}
		if n := m.count(adminControls); n > 0 {
			r.t.Errorf("member sees %d admin controls on %s: %s", n, r.orgPath+page,
				eval[string](m, `[...document.querySelectorAll(`+jsString(adminControls)+`)].map(f => f.id).join(', ')`))
		}
	}
	m.expectPage(m.open(r.orgPath+"/members"), 200, "members")
	m.checkAccessible("members (as a member)")
	m.screenshots("members-as-member")
}
