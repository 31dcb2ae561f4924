package httpapi

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

const wantStrings = "an array of strings"

type endpointJSON struct {
	ID             int64    `json:"id"`
	OrganizationID *int64   `json:"organization_id"` // null: the platform's
	URL            string   `json:"url"`
	EventTypes     []string `json:"event_types"` // []: every type
	Description    string   `json:"description"`
	Disabled       bool     `json:"disabled"`
	DisabledReason *string  `json:"disabled_reason"` // why orgkit disabled it; null when it did not
	// FailingSince is the first failed attempt since the last success.
	FailingSince *timestamp `json:"failing_since"`
	// SecretRotatedUntil is until when the secret replaced by the last rotation still signs.
	SecretRotatedUntil *timestamp `json:"secret_rotated_until"`
	Secret             *string    `json:"secret,omitempty"` // only in the create and rotate answers
	CreatedAt          timestamp  `json:"created_at"`
	UpdatedAt          timestamp  `json:"updated_at"`
}

func toEndpointJSON(e domain.WebhookEndpoint) endpointJSON {
	types := e.EventTypes
	if types == nil {
		types = []string{}
	}
	var reason *string
	if e.DisabledReason != "" {
		reason = &e.DisabledReason
	}
	return endpointJSON{ID: e.ID, OrganizationID: e.OrganizationID, URL: e.URL, EventTypes: types,
		Description: e.Description, Disabled: e.Disabled, DisabledReason: reason,
		FailingSince: optionalTimestamp(e.FailingSince), SecretRotatedUntil: optionalTimestamp(e.PreviousSecretUntil),
		CreatedAt: timestamp(e.CreatedAt), UpdatedAt: timestamp(e.UpdatedAt)}
}

type deliveryJSON struct {
	ID            int64                        `json:"id"`
	EventID       string                       `json:"event_id"` // the event's "evt_…" id, its webhook-id
	EventType     string                       `json:"event_type"`
	Status        domain.WebhookDeliveryStatus `json:"status"`
	Attempts      int                          `json:"attempts"`
	NextAttemptAt *timestamp                   `json:"next_attempt_at"` // null once delivered or failed
	CreatedAt     timestamp                    `json:"created_at"`
	UpdatedAt     timestamp                    `json:"updated_at"`
	AttemptLog    []attemptJSON                `json:"attempt_log"` // oldest first
}

type attemptJSON struct {
	StatusCode *int      `json:"status_code"` // null: no answer (error says why)
	LatencyMS  int64     `json:"latency_ms"`
	Response   string    `json:"response"` // the answer's start
	Error      *string   `json:"error"`
	CreatedAt  timestamp `json:"created_at"`
}

func toDeliveryJSON(d domain.WebhookDelivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, EventID: d.Event.PublicID, EventType: d.Event.Type, Status: d.Status,
		Attempts: d.Attempts, CreatedAt: timestamp(d.CreatedAt), UpdatedAt: timestamp(d.UpdatedAt),
		AttemptLog: make([]attemptJSON, 0, len(d.AttemptLog))}
	if !d.NextAttemptAt.IsZero() {
		out.NextAttemptAt = optionalTimestamp(&d.NextAttemptAt)
	}
	for _, a := range d.AttemptLog {
		j := attemptJSON{LatencyMS: a.Latency.Milliseconds(), Response: a.Response, CreatedAt: timestamp(a.CreatedAt)}
		if a.StatusCode != 0 {
			j.StatusCode = &a.StatusCode
		}
		if a.Error != "" {
			j.Error = &a.Error
		}
		out.AttemptLog = append(out.AttemptLog, j)
	}
	return out
}

// endpointServerFields are set by the server: a body may not carry them.
var endpointServerFields = []string{"id", "organization_id", "secret", "disabled_reason", "failing_since",
	"secret_rotated_until", "created_at", "updated_at"}

// endpointOwner reads whose endpoints the route manages, with the action that guards them:
// the path's organization under /v1/organizations/{id}/webhook-endpoints, the platform's
// (orgID 0, superadmins) under /v1/webhook-endpoints.
func endpointOwner(in *input) (int64, domain.Action) {
	if in.c.Param("id") == "" {
		return 0, domain.ActionWebhookManageAll
	}
	return in.orgID(), domain.ActionWebhookManage
}

// endpointPath reads the owner and the endpoint id of the path.
func endpointPath(in *input) (orgID, endpointID int64, action domain.Action) {
	orgID, action = endpointOwner(in)
	return orgID, in.pathID("endpointId"), action
}

func (h *handlers) createEndpoint(c *gin.Context) {
	in := newInput(c)
	orgID, action := endpointOwner(in)
	var ep domain.WebhookEndpointInput
	in.body(func(o *object) {
		var url string
		if required(o, "url", wantString, &url) {
			ep.URL = &url
		}
		ep.EventTypes = ptr[[]string](o, "event_types", wantStrings)
		ep.Description = ptr[string](o, "description", wantString)
		ep.Disabled = ptr[bool](o, "disabled", wantBool)
		o.forbid("is set by the server", endpointServerFields...)
	})
	if !h.checked(in, orgID, action) {
		return
	}
	created, secret, err := h.svc.CreateWebhookEndpoint(c.Request.Context(), principal(c), orgID, ep)
	writeEndpointWithSecret(c, http.StatusCreated, created, secret, err)
}

func (h *handlers) listEndpoints(c *gin.Context) {
	in := newInput(c)
	orgID, action := endpointOwner(in)
	if !h.checked(in, orgID, action) {
		return
	}
	eps, err := h.svc.ListWebhookEndpoints(c.Request.Context(), principal(c), orgID)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]endpointJSON, 0, len(eps))
	for _, e := range eps {
		items = append(items, toEndpointJSON(e))
	}
	c.JSON(http.StatusOK, gin.H{"data": items})
}

func (h *handlers) getEndpoint(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	if !h.checked(in, orgID, action) {
		return
	}
	ep, err := h.svc.GetWebhookEndpoint(c.Request.Context(), principal(c), orgID, id)
	writeEndpoint(c, ep, err)
}

func (h *handlers) updateEndpoint(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	var patch domain.WebhookEndpointInput
	in.body(func(o *object) {
		o.nonNull("url", "event_types", "description", "disabled")
		patch = domain.WebhookEndpointInput{
			URL:         ptr[string](o, "url", wantString),
			EventTypes:  ptr[[]string](o, "event_types", wantStrings),
			Description: ptr[string](o, "description", wantString),
			Disabled:    ptr[bool](o, "disabled", wantBool),
		}
		o.forbid("cannot be changed", endpointServerFields...)
	})
	if !h.checked(in, orgID, action) {
		return
	}
	ep, err := h.svc.UpdateWebhookEndpoint(c.Request.Context(), principal(c), orgID, id, patch)
	writeEndpoint(c, ep, err)
}

func (h *handlers) deleteEndpoint(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	if !h.checked(in, orgID, action) {
		return
	}
	noContent(c, h.svc.DeleteWebhookEndpoint(c.Request.Context(), principal(c), orgID, id))
}

func (h *handlers) rotateEndpointSecret(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	if !h.checked(in, orgID, action) {
		return
	}
	ep, secret, err := h.svc.RotateWebhookSecret(c.Request.Context(), principal(c), orgID, id)
	writeEndpointWithSecret(c, http.StatusOK, ep, secret, err)
}

// testEndpoint queues a webhook.test event for the endpoint: 202, since it is sent later.
func (h *handlers) testEndpoint(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	if !h.checked(in, orgID, action) {
		return
	}
	d, err := h.svc.TestWebhookEndpoint(c.Request.Context(), principal(c), orgID, id)
	writeDelivery(c, d, err)
}

func (h *handlers) listDeliveries(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	q := domain.DeliveryQuery{
		Page:     in.queryInt("page", 1, 1, domain.MaxPage),
		PageSize: in.queryInt("page_size", domain.DefaultPageSize, 1, domain.MaxPageSize),
		Status:   domain.WebhookDeliveryStatus(c.Query("status")),
	}
	switch q.Status {
	case "", domain.DeliveryPending, domain.DeliveryDelivered, domain.DeliveryFailed:
	default:
		in.v.Add("status", "status must be one of pending, delivered, failed")
	}
	if !h.checked(in, orgID, action) {
		return
	}
	page, err := h.svc.ListWebhookDeliveries(c.Request.Context(), principal(c), orgID, id, q)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]deliveryJSON, 0, len(page.Items))
	for _, d := range page.Items {
		items = append(items, toDeliveryJSON(d))
	}
	c.JSON(http.StatusOK, gin.H{"data": items, "meta": toPageMeta(page)})
}

// retryDelivery makes a delivery pending again: 202, since it is sent later.
func (h *handlers) retryDelivery(c *gin.Context) {
	in := newInput(c)
	orgID, id, action := endpointPath(in)
	deliveryID := in.pathID("deliveryId")
	if !h.checked(in, orgID, action) {
		return
	}
	d, err := h.svc.RetryWebhookDelivery(c.Request.Context(), principal(c), orgID, id, deliveryID)
	writeDelivery(c, d, err)
}

func writeEndpoint(c *gin.Context, ep domain.WebhookEndpoint, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"data": toEndpointJSON(ep)})
}

// writeEndpointWithSecret answers ep with its new signing secret, the only time it is
// shown; nothing on the way may keep a copy.
func writeEndpointWithSecret(c *gin.Context, status int, ep domain.WebhookEndpoint, secret string, err error) {
	c.Header("Cache-Control", "no-store")
	if err != nil {
		writeError(c, err)
		return
	}
	out := toEndpointJSON(ep)
	out.Secret = &secret
	c.JSON(status, gin.H{"data": out})
}

func writeDelivery(c *gin.Context, d domain.WebhookDelivery, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"data": toDeliveryJSON(d)})
}
