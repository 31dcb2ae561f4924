package browsertest

import (
	"github.com/chromedp/chromedp"
)

// signIn uses the dev sign-in page as email and lands on the organization switcher.
func (tb *tab) signIn(email, name string) {
	tb.t.Helper()
	tb.expectPage(tb.open("/portal/sign-in"), 200, "sign-in")
	tb.fill(`main[data-page=sign-in] input[name=email]`, email)
	tb.fill(`main[data-page=sign-in] input[name=name]`, name)
	status := tb.submit(chromedp.Click(chromedp.CSS(`main[data-page=sign-in] form [type=submit]`)))
	tb.expectPage(status, 200, "switcher")
}

// signedOut: a visitor without a session is told how to sign in (401, a link to the dev
// sign-in page); both pages pass axe and are photographed.
func (r *portalRun) signedOut(tb *tab) {
	tb.expectPage(tb.open("/portal/"), 401, "signed-out")
	if tb.count(`main a[href="/portal/sign-in"]`) == 0 {
		r.t.Fatalf("the signed-out page has no link to /portal/sign-in:\n%s", tb.text("main"))
	}
	tb.inspect("signed-out", r.weights)
	tb.expectPage(tb.open("/portal/sign-in"), 200, "sign-in")
	tb.inspect("sign-in", r.weights)
}
