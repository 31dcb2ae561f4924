package portal

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// view is what every page template receives: the layout's parts and the page's own Data.
type view struct {
	Page   string // the template and the <main data-page> hook
	Title  string
	User   *domain.User
	CSRF   string
	Orgs   []domain.Organization // the switcher
	Org    *domain.Organization  // the organization the page is about
	Role   domain.Role           // the caller's role there ("" for a superadmin who is not a member)
	Alert  string                // an error, shown in role="alert"
	Notice string                // a success message, shown in role="status"
	Data   any
	Once   any // what an action shows once (a secret, a new invite link)
	Nav    []navItem
	Super  bool
	can    func(domain.Action) bool
}

// Can reports whether the caller may do action in the page's organization: admin controls
// are only rendered when it holds (and the use case checks again when the form is sent).
func (v view) Can(action string) bool { return v.can != nil && v.can(domain.Action(action)) }

type navItem struct {
	Name, Label, Href string
	Current           bool
}

var funcs = template.FuncMap{
	"str": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"whenp": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"join": strings.Join,
	"lastAttempt": func(a []domain.WebhookAttempt) *domain.WebhookAttempt {
		if len(a) == 0 {
			return nil
		}
		return &a[len(a)-1]
	},
	"orgPath": func(id int64, rest string) string {
		return fmt.Sprintf("/portal/organizations/%d%s", id, rest)
	},
	"roles": func() []domain.Role {
		return []domain.Role{domain.RoleOwner, domain.RoleAdmin, domain.RoleMember, domain.RoleViewer}
	},
	"assignable": func() []domain.Role { return []domain.Role{domain.RoleAdmin, domain.RoleMember, domain.RoleViewer} },
}

// parsePages parses each page with the layout; a page template defines "content".
func parsePages() map[string]*template.Template {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		pages[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return pages
}

// render answers the page name with v, with the layout around it.
func (p *Portal) render(c *gin.Context, status int, name string, v view) {
	t, ok := p.pages[name]
	if !ok {
		panic("portal: no template " + name)
	}
	v.Page = name
	if s, ok := c.Value(sessionKey).(*session); ok && v.User == nil {
		v.User, v.CSRF, v.Super = &s.principal.User, s.csrf, s.principal.Superadmin
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		p.opts.Logger.ErrorContext(c.Request.Context(), "portal template failed", slog.String("page", name), slog.Any("error", err))
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("unexpected server error"))
		c.Abort()
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
	c.Abort()
}

// renderError answers an error page with status and a message for the user.
func (p *Portal) renderError(c *gin.Context, status int, msg string) {
	p.render(c, status, "error", view{Title: http.StatusText(status), Alert: msg})
}

// fail answers err on the error page with the API's status and message; internal errors
// are logged, and shown without their text.
func (p *Portal) fail(c *gin.Context, err error) {
	status, msg := p.describe(err)
	if status >= 500 {
		p.opts.Logger.ErrorContext(c.Request.Context(), "portal request failed", slog.String("path", c.FullPath()), slog.Any("error", err))
	}
	p.renderError(c, status, msg)
}

// describe is the API's status and message for err, with the message of every field the
// error names (the API's details), so the user sees what to fix.
func (p *Portal) describe(err error) (int, string) {
	status, msg := p.opts.Describe(err)
	var de *domain.Error
	if status < 500 && errors.As(err, &de) && len(de.Details) > 0 {
		parts := make([]string, 0, len(de.Details))
		for _, d := range de.Details {
			parts = append(parts, d.Message)
		}
		msg += ": " + strings.Join(parts, "; ")
	}
	return status, msg
}

// escape is a query parameter's value, escaped.
func escape(s string) string { return url.QueryEscape(s) }
