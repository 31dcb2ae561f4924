package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

// eventQuery reads page, page_size, type and, when allowed, organization_id.
func eventQuery(in *input, withOrg bool) domain.EventQuery {
	q := domain.EventQuery{
		Page:     in.queryInt("page", 1, 1, domain.MaxPage),
		PageSize: in.queryInt("page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
		Type:     in.c.Query("type"),
	}
	if q.Type != "" && !domain.KnownEventType(q.Type) {
		in.v.Add("type", "type must be an event type of the catalog")
	}
	if s, ok := in.c.GetQuery("organization_id"); ok && withOrg {
		n, ok := parseID(s)
		if !ok {
			in.v.Add("organization_id", "organization_id must be a positive integer")
		}
		q.OrganizationID = &n
	}
	return q
}

func (h *handlers) listEvents(c *gin.Context) {
	in := newInput(c)
	orgID := in.orgID()
	q := eventQuery(in, false)
	if !h.checked(in, orgID, domain.ActionEventRead) {
		return
	}
	page, err := h.svc.ListEvents(c.Request.Context(), principal(c), orgID, q)
	writeEventPage(c, page, err)
}

func (h *handlers) listAllEvents(c *gin.Context) {
	in := newInput(c)
	q := eventQuery(in, true)
	if !h.checked(in, 0, domain.ActionEventReadAll) {
		return
	}
	page, err := h.svc.ListAllEvents(c.Request.Context(), principal(c), q)
	writeEventPage(c, page, err)
}

// writeEventPage answers the events as stored: each payload is the very body its webhook
// deliveries carry, so a receiver catching up reads what it would have been sent.
func writeEventPage(c *gin.Context, page domain.Page[domain.Event], err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]json.RawMessage, 0, len(page.Items))
	for _, e := range page.Items {
		if !json.Valid(e.Payload) {
			writeError(c, errBadPayload(e))
			return
		}
		items = append(items, e.Payload)
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": toPageMeta(page)})
}

// errBadPayload is an internal error: a stored event that is not JSON would otherwise make
// the whole list fail to encode after the status was written.
func errBadPayload(e domain.Event) error {
	return &domain.Error{Code: domain.CodeInternal, Message: "event " + strconv.FormatInt(e.ID, 10) + " has a payload that is not JSON"}
}
