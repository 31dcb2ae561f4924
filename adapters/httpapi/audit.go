package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

type auditJSON struct {
	ID             int64     `json:"id"`
	OrganizationID *int64    `json:"organization_id"`
	ActorUserID    *int64    `json:"actor_user_id"`
	ActorEmail     *string   `json:"actor_email"`
	Action         string    `json:"action"`
	TargetType     string    `json:"target_type"`
	TargetID       string    `json:"target_id"`
	RequestID      string    `json:"request_id"`
	IP             string    `json:"ip"`
	UserAgent      string    `json:"user_agent"`
	Changes        []string  `json:"changes"`
	PrevHash       string    `json:"prev_hash"`
	Hash           string    `json:"hash"`
	CreatedAt      timestamp `json:"created_at"`
}

func toAuditJSON(r domain.AuditRecord) auditJSON {
	changes := r.Changes
	if changes == nil {
		changes = []string{}
	}
	return auditJSON{ID: r.ID, OrganizationID: r.OrganizationID, ActorUserID: r.ActorUserID, ActorEmail: r.ActorEmail,
		Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, RequestID: r.RequestID, IP: r.IP,
		UserAgent: r.UserAgent, Changes: changes, PrevHash: r.PrevHash, Hash: r.Hash, CreatedAt: timestamp(r.CreatedAt)}
}

// auditQuery reads page, page_size, action, actor (a user id or an email), from and to
// (RFC 3339), and organization_id when allowed.
func auditQuery(in *input, withOrg bool) domain.AuditQuery {
	c := in.c
	q := domain.AuditQuery{
		Page:     in.queryInt("page", 1, 1, domain.MaxPage),
		PageSize: in.queryInt("page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
		Action:   c.Query("action"),
	}
	if actor := c.Query("actor"); actor != "" {
		if n, err := strconv.ParseInt(actor, 10, 64); err == nil && n > 0 {
			q.ActorUserID = &n
		} else if email := domain.NormalizeEmail(actor); domain.ValidEmail(email) {
			q.ActorEmail = email
		} else {
			in.v.Add("actor", "actor must be a user id or an email")
		}
	}
	for name, dst := range map[string]**time.Time{"from": &q.From, "to": &q.To} {
		if s := c.Query(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				in.v.Add(name, "%s must be an RFC 3339 time such as 2025-03-04T10:00:00Z", name)
				continue
			}
			*dst = &t
		}
	}
	if withOrg && c.Query("organization_id") != "" {
		n, err := strconv.ParseInt(c.Query("organization_id"), 10, 64)
		if err != nil || n <= 0 {
			in.v.Add("organization_id", "organization_id must be a positive integer")
		}
		q.OrganizationID = &n
	}
	return q
}

func (h *handlers) listOrgAuditLogs(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	q := auditQuery(in, false)
	if !h.checked(in, orgID, domain.ActionAuditRead) {
		return
	}
	page, err := h.svc.ListAuditLogs(c.Request.Context(), principal(c), orgID, q)
	writeAuditPage(c, page, err)
}

func (h *handlers) listAllAuditLogs(c *gin.Context) {
	in := newInput(c)
	q := auditQuery(in, true)
	if !h.checked(in, 0, domain.ActionAuditReadAll) {
		return
	}
	page, err := h.svc.ListAllAuditLogs(c.Request.Context(), principal(c), q)
	writeAuditPage(c, page, err)
}

func writeAuditPage(c *gin.Context, page domain.Page[domain.AuditRecord], err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]auditJSON, 0, len(page.Items))
	for _, r := range page.Items {
		items = append(items, toAuditJSON(r))
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": toPageMeta(page)})
}
