package portal

import (
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerAudit(g *gin.RouterGroup) {
	g.GET("/organizations/:id/audit", p.show(auditPage))
}

var auditPage = orgPage{name: "audit", suffix: "/audit", load: (*Portal).loadAudit}

type auditData struct {
	Records                 []domain.AuditRecord
	Action, Actor, From, To string
	Page                    int
	Next, Prev              string // links of the neighbouring pages; "" when none
}

// auditPageSize is how many records a page shows.
const auditPageSize = 50

// loadAudit lists the organization's audit log, newest first, filtered by ?action=, ?actor=
// (an email), ?from= and ?to= (dates, UTC, inclusive).
func (p *Portal) loadAudit(c *gin.Context, v *view) error {
	d := auditData{Action: strings.TrimSpace(c.Query("action")), Actor: strings.TrimSpace(c.Query("actor")),
		From: c.Query("from"), To: c.Query("to"), Page: 1}
	q := domain.AuditQuery{Action: d.Action, PageSize: auditPageSize, Page: 1}
	var bad domain.Validation
	if n, err := strconv.Atoi(c.Query("page")); err == nil && n >= 1 && n <= domain.MaxPage {
		q.Page, d.Page = n, n
	}
	if d.Actor != "" {
		if q.ActorEmail = domain.NormalizeEmail(d.Actor); !domain.ValidEmail(q.ActorEmail) {
			bad.Add("actor", "actor must be an email address")
		}
	}
	q.From = dateParam(&bad, "from", d.From, 0)
	q.To = dateParam(&bad, "to", d.To, 24*time.Hour-time.Microsecond)
	if verr := bad.Err(); verr != nil {
		v.Data = d
		if _, _, err := p.svc.Authorize(c.Request.Context(), sessionOf(c).principal, v.Org.ID, domain.ActionAuditRead); err != nil {
			return err // not allowed: nothing about the filters
		}
		_, v.Alert = p.describe(verr)
		return nil
	}
	page, err := p.svc.ListAuditLogs(c.Request.Context(), sessionOf(c).principal, v.Org.ID, q)
	if err != nil {
		return err
	}
	d.Records = page.Items
	if int64(q.Page*q.PageSize) < page.Total {
		d.Next = orgHref(v.Org.ID, "/audit") + d.query(q.Page+1)
	}
	if q.Page > 1 {
		d.Prev = orgHref(v.Org.ID, "/audit") + d.query(q.Page-1)
	}
	v.Data = d
	return nil
}

func (d auditData) query(page int) string {
	return "?action=" + escape(d.Action) + "&actor=" + escape(d.Actor) + "&from=" + escape(d.From) + "&to=" + escape(d.To) + "&page=" + strconv.Itoa(page)
}

// dateParam reads a YYYY-MM-DD date as UTC midnight plus offset; nil when empty.
func dateParam(bad *domain.Validation, name, s string, offset time.Duration) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		bad.Add(name, "%s must be a date such as 2026-03-04", name)
		return nil
	}
	t = t.Add(offset)
	return &t
}
