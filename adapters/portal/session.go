package portal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// session is the signed-in caller of a request and their CSRF token.
type session struct {
	principal domain.Principal
	csrf      string
}

const sessionKey = "orgkit.portal.session"

func sessionOf(c *gin.Context) *session {
	s, _ := c.Value(sessionKey).(*session)
	if s == nil {
		return &session{}
	}
	return s
}

// csrfToken is the session's CSRF token: an HMAC of the token's subject with the server key,
// so it needs no storage and is the same on every replica sharing the key.
func (p *Portal) csrfToken(subject string) string {
	mac := hmac.New(sha256.New, p.csrf)
	mac.Write([]byte(subject))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func (s *session) validCSRF(got string) bool {
	return s.csrf != "" && hmac.Equal([]byte(got), []byte(s.csrf))
}

// authenticate signs the caller in from the cookie's token, as the API does from a bearer
// token (verification, provisioning on first sight); without a valid token it answers the
// 401 sign-in page.
func (p *Portal) authenticate(c *gin.Context) {
	s, err := p.signedIn(c)
	if err != nil {
		p.renderSignInNeeded(c, err)
		return
	}
	c.Set(sessionKey, s)
	c.Next()
}

// signedIn verifies the cookie's token and signs its user in.
func (p *Portal) signedIn(c *gin.Context) (*session, error) {
	cookie, err := c.Request.Cookie(p.opts.Cookie)
	token := ""
	if err == nil {
		token = strings.TrimSpace(cookie.Value)
	}
	if token == "" {
		return nil, &domain.Error{Code: domain.CodeUnauthorized, Message: "you are not signed in"}
	}
	id, err := p.opts.Verifier.Verify(c.Request.Context(), token)
	if err != nil {
		return nil, err
	}
	pr, err := p.svc.SignIn(c.Request.Context(), id)
	if err != nil {
		return nil, err
	}
	return &session{principal: pr, csrf: p.csrfToken(id.Subject)}, nil
}

// renderSignInNeeded answers 401 with a page saying how to sign in.
func (p *Portal) renderSignInNeeded(c *gin.Context, err error) {
	status, msg := p.describe(err)
	if status != http.StatusUnauthorized {
		p.renderError(c, status, msg)
		return
	}
	p.render(c, http.StatusUnauthorized, "signed-out", view{Title: "Sign in", Alert: msg, Data: signedOut{Dev: p.opts.Mint != nil, Cookie: p.opts.Cookie}})
}

type signedOut struct {
	Dev    bool
	Cookie string
}

type signInForm struct {
	Email, Name string
}

func (p *Portal) signInPage(c *gin.Context) {
	if p.opts.Mint == nil {
		p.renderSignInNeeded(c, &domain.Error{Code: domain.CodeUnauthorized, Message: "development sign-in is off on this server"})
		return
	}
	p.render(c, http.StatusOK, "sign-in", view{Title: "Sign in", Data: signInForm{}})
}

// signIn mints a development token (email_verified) and sets it as the session cookie.
func (p *Portal) signIn(c *gin.Context) {
	if p.opts.Mint == nil {
		p.renderError(c, http.StatusNotFound, "Development sign-in is off on this server.")
		return
	}
	if !sameOrigin(c.Request) {
		p.renderError(c, http.StatusForbidden, "This form was sent from another site and was refused.")
		return
	}
	form := signInForm{Email: domain.NormalizeEmail(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name"))}
	if !domain.ValidEmail(form.Email) {
		p.render(c, http.StatusBadRequest, "sign-in", view{Title: "Sign in", Alert: "Enter a valid email address.", Data: form})
		return
	}
	token, err := p.opts.Mint(domain.Identity{Subject: domain.DevSubject(form.Email), Email: form.Email, Name: form.Name, EmailVerified: true}, DevTokenTTL)
	if err != nil {
		p.fail(c, err)
		return
	}
	p.setCookie(c, token, int(DevTokenTTL.Seconds()))
	c.Redirect(http.StatusSeeOther, "/portal/")
}

// signOut clears the cookie. A signed-in caller must send the form's CSRF token.
func (p *Portal) signOut(c *gin.Context) {
	if !sameOrigin(c.Request) {
		p.renderError(c, http.StatusForbidden, "This form was sent from another site and was refused.")
		return
	}
	if s, err := p.signedIn(c); err == nil && !s.validCSRF(c.PostForm("csrf_token")) {
		p.renderError(c, http.StatusForbidden, "The form's security token is missing or wrong. Reload the page and try again.")
		return
	}
	p.setCookie(c, "", -1)
	p.render(c, http.StatusOK, "signed-out", view{Title: "Signed out", Notice: "You are signed out.", Data: signedOut{Dev: p.opts.Mint != nil, Cookie: p.opts.Cookie}})
}

func (p *Portal) setCookie(c *gin.Context, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: p.opts.Cookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.Request.TLS != nil})
}
