package portal

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/app"
	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerDomains(g *gin.RouterGroup) {
	g.GET("/organizations/:id/domains", p.show(domainsPage))
	g.POST("/organizations/:id/domains", p.act(domainsPage, p.addDomain))
	g.POST("/organizations/:id/domains/:domainId/verify", p.act(domainsPage, p.verifyDomain))
	g.POST("/organizations/:id/domains/:domainId/delete", p.act(domainsPage, p.deleteDomain))
}

var domainsPage = orgPage{name: "domains", suffix: "/domains", load: (*Portal).loadDomains}

type domainsData struct {
	Domains []domainRow
	Types   []string
}

// domainRow is a domain with the TXT record that proves it and its past checks.
type domainRow struct {
	domain.CustomDomain
	TXT     app.Verification
	Reason  string // the failure reason in words
	History []check
}

type check struct {
	At      time.Time
	Outcome string
}

// failureWords say what a failed check found and what to do.
var failureWords = map[domain.FailureReason]string{
	domain.FailureRecordNotFound: "No TXT record was found at the verification host. Publish the record below; DNS changes can take a while to appear.",
	domain.FailureValueMismatch:  "TXT records exist at the verification host, but none holds the expected value. Check that the value was copied whole.",
	domain.FailureResolverError:  "No DNS server answered the lookup. This is usually temporary: try again in a few minutes.",
}

// historyActions are the audit actions of a domain's checks, with their outcome in words.
var historyActions = map[string]string{
	domain.AuditDomainVerified:           "verified",
	domain.AuditDomainVerificationFailed: "check failed",
	domain.AuditDomainExpired:            "expired unverified",
	domain.AuditDomainLapsed:             "lapsed (record missing too long)",
}

func (p *Portal) loadDomains(c *gin.Context, v *view) error {
	ctx, pr := c.Request.Context(), sessionOf(c).principal
	ds, err := p.svc.ListDomains(ctx, pr, v.Org.ID)
	if err != nil {
		return err
	}
	var history map[string][]check
	if v.Can(string(domain.ActionAuditRead)) {
		if history, err = p.domainChecks(ctx, pr, v.Org.ID); err != nil {
			return err
		}
	}
	d := domainsData{Types: domain.DefaultDomainTypes}
	for _, cd := range ds {
		row := domainRow{CustomDomain: cd, TXT: p.svc.VerificationOf(cd), History: history[strconv.FormatInt(cd.ID, 10)]}
		if cd.FailureReason != nil {
			row.Reason = failureWords[*cd.FailureReason]
			if row.Reason == "" {
				row.Reason = string(*cd.FailureReason)
			}
		}
		d.Domains = append(d.Domains, row)
	}
	v.Data = d
	return nil
}

// domainChecks are the organization's recorded domain checks by domain id, newest first.
func (p *Portal) domainChecks(ctx context.Context, pr domain.Principal, orgID int64) (map[string][]check, error) {
	out := map[string][]check{}
	for action, outcome := range historyActions {
		page, err := p.svc.ListAuditLogs(ctx, pr, orgID, domain.AuditQuery{Action: action, PageSize: domain.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			out[r.TargetID] = append(out[r.TargetID], check{At: r.CreatedAt, Outcome: outcome})
		}
	}
	for id := range out {
		slices.SortFunc(out[id], func(a, b check) int { return b.At.Compare(a.At) })
	}
	return out, nil
}

func (p *Portal) addDomain(c *gin.Context, v *view) error {
	nd := app.NewDomain{Name: strings.TrimSpace(c.PostForm("domain")), Type: c.PostForm("domain_type")}
	_, err := p.svc.AddDomain(c.Request.Context(), sessionOf(c).principal, v.Org.ID, nd)
	return err
}

// verifyDomain checks the TXT record now; the page then shows the outcome.
func (p *Portal) verifyDomain(c *gin.Context, v *view) error {
	_, _, err := p.svc.VerifyDomain(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "domainId"))
	return err
}

func (p *Portal) deleteDomain(c *gin.Context, v *view) error {
	return p.svc.DeleteDomain(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "domainId"))
}
