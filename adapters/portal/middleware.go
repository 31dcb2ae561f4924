package portal

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// ContentSecurityPolicy is sent with every portal response: no inline script or style, no
// framing, forms post only to the portal's origin.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'"

// maxFormBytes bounds a form body; uploads allow an image and its multipart framing.
const (
	maxFormBytes   = 64 << 10
	maxUploadBytes = domain.MaxImageBytes + 64<<10
)

// prelude runs first on every portal route: the security headers, the request's audit
// metadata, the body limit, and a recovery that answers a plain error page (never a trace).
func (p *Portal) prelude(c *gin.Context) {
	start := time.Now()
	defer func() { // first deferred: runs after the recovery below set a panic's status
		p.opts.Metrics.HTTPRequest(c.FullPath(), c.Request.Method, c.Writer.Status(), time.Since(start))
	}()
	secure(c)
	if !strings.HasPrefix(c.Request.URL.Path, "/portal/assets/") && !strings.Contains(c.Request.URL.Path, "/assets/") {
		c.Header("Cache-Control", "no-store")
	}
	limit := int64(maxFormBytes)
	if strings.HasSuffix(c.Request.URL.Path, "/logo") || strings.HasSuffix(c.Request.URL.Path, "/icon") {
		limit = maxUploadBytes
	}
	if c.Request.Body != nil {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	meta := domain.RequestMeta{RequestID: newRequestID(), IP: c.ClientIP(), UserAgent: truncate(c.Request.UserAgent(), 512)}
	c.Request = c.Request.WithContext(domain.WithRequestMeta(c.Request.Context(), meta))
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			p.opts.Logger.ErrorContext(c.Request.Context(), "portal handler panicked", slog.String("request_id", meta.RequestID), slog.Any("panic", v))
			if !c.Writer.Written() {
				p.renderError(c, http.StatusInternalServerError, "Something went wrong on our side. Please try again.")
			}
			c.Abort()
		}
	}()
	c.Next()
}

// secure sets the security headers of every portal response.
func secure(c *gin.Context) {
	h := c.Writer.Header()
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Content-Type-Options", "nosniff")
}

// Unmatched answers a request that matched no route, when its path is under the portal
// (where Register mounted it, any of them when mounted more than once), with the portal's HTML error page: status (404 for an unknown
// path, 405 for a known path and another method), the portal's security headers and a link
// to the portal's home; it reports true. Outside the portal it writes nothing and reports
// false, so the host's own answer follows (the API's JSON 404 for /v1/…). An engine's
// NoRoute and NoMethod handlers call it first.
func (p *Portal) Unmatched(c *gin.Context, status int) bool {
	path := c.Request.URL.Path
	for _, prefix := range p.prefixes {
		if path == prefix || strings.HasPrefix(path, prefix+"/") {
			secure(c)
			c.Header("Cache-Control", "no-store")
			msg := "There is no such page in the admin portal."
			if status == http.StatusMethodNotAllowed {
				msg = "This page does not accept that kind of request."
			}
			p.renderError(c, status, msg)
			return true
		}
	}
	return false
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// truncate bounds a client-supplied header for storage; invalid UTF-8 would fail in Postgres.
func truncate(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "")
}

// sameOrigin reports whether a request's Origin (else Referer), when it has one, names the
// host the request was sent to: a form posted from another site is refused.
func sameOrigin(r *http.Request) bool {
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return true // not sent (old clients, privacy settings): CSRF token and SameSite still hold
	}
	u, err := url.Parse(src)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}

// checkForm refuses a state-changing request from another origin or without the session's
// CSRF token (403). It runs after authenticate.
func (p *Portal) checkForm(c *gin.Context) {
	if c.Request.Method != http.MethodPost {
		c.Next()
		return
	}
	if !sameOrigin(c.Request) {
		p.renderError(c, http.StatusForbidden, "This form was sent from another site and was refused.")
		return
	}
	if err := parseForm(c.Request); err != nil {
		status, msg := http.StatusBadRequest, "The form could not be read."
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status, msg = http.StatusRequestEntityTooLarge, fmt.Sprintf("The upload is too large: at most %d bytes.", domain.MaxImageBytes)
		}
		p.renderError(c, status, msg)
		return
	}
	s := sessionOf(c)
	if !s.validCSRF(c.PostForm("csrf_token")) {
		p.renderError(c, http.StatusForbidden, "The form's security token is missing or wrong. Reload the page and try again.")
		return
	}
	c.Next()
}

// parseForm reads a urlencoded or multipart form body (bounded by prelude).
func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		return r.ParseMultipartForm(maxUploadBytes)
	}
	return r.ParseForm()
}

// assetsFS is the embedded assets directory (CSS, JS, vendored libraries and their licenses).
func assetsFS() http.FileSystem {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the directory is embedded: a build defect
	}
	return http.FS(sub)
}
