package portal

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/domain"
)

func (p *Portal) registerWebhooks(g *gin.RouterGroup) {
	g.GET("/organizations/:id/webhooks", p.show(webhooksPage))
	g.POST("/organizations/:id/webhooks", p.act(webhooksPage, p.createEndpoint))
	g.POST("/organizations/:id/webhooks/:endpointId/delete", p.act(webhooksPage, p.deleteEndpoint))
	g.POST("/organizations/:id/webhooks/:endpointId/test", p.act(webhooksPage, p.testEndpoint))
	g.POST("/organizations/:id/webhooks/:endpointId/deliveries/:deliveryId/retry", p.act(webhooksPage, p.retryDelivery))
	g.POST("/organizations/:id/deliveries/:deliveryId/retry", p.act(webhooksPage, p.retryDelivery)) // endpoint_id in the form
}

var webhooksPage = orgPage{name: "webhooks", suffix: "/webhooks", load: (*Portal).loadWebhooks}

// recentDeliveries is how many of an endpoint's latest deliveries the page shows.
const recentDeliveries = 10

type endpointRow struct {
	domain.WebhookEndpoint
	Deliveries []domain.WebhookDelivery
}

type webhooksData struct {
	Endpoints  []endpointRow
	EventTypes []domain.EventType
}

// newSecret is a new endpoint's signing secret, shown once.
type newSecret struct {
	URL, Secret string
}

func (p *Portal) loadWebhooks(c *gin.Context, v *view) error {
	ctx, pr := c.Request.Context(), sessionOf(c).principal
	eps, err := p.svc.ListWebhookEndpoints(ctx, pr, v.Org.ID)
	if err != nil {
		return err
	}
	d := webhooksData{EventTypes: domain.EventTypes}
	for _, ep := range eps {
		page, err := p.svc.ListWebhookDeliveries(ctx, pr, v.Org.ID, ep.ID, domain.DeliveryQuery{PageSize: recentDeliveries})
		if err != nil {
			return err
		}
		d.Endpoints = append(d.Endpoints, endpointRow{WebhookEndpoint: ep, Deliveries: page.Items})
	}
	v.Data = d
	return nil
}

// createEndpoint adds an endpoint (url, description, event_types: checked boxes, none for
// every type) and shows its signing secret once.
func (p *Portal) createEndpoint(c *gin.Context, v *view) error {
	url, desc := strings.TrimSpace(c.PostForm("url")), strings.TrimSpace(c.PostForm("description"))
	in := domain.WebhookEndpointInput{URL: &url, Description: &desc}
	if types := c.PostFormArray("event_types"); len(types) > 0 {
		in.EventTypes = &types
	}
	ep, secret, err := p.svc.CreateWebhookEndpoint(c.Request.Context(), sessionOf(c).principal, v.Org.ID, in)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	v.Once = newSecret{URL: ep.URL, Secret: secret}
	return nil
}

func (p *Portal) deleteEndpoint(c *gin.Context, v *view) error {
	return p.svc.DeleteWebhookEndpoint(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "endpointId"))
}

// testEndpoint queues a webhook.test event for the endpoint only; its delivery appears in
// the endpoint's list.
func (p *Portal) testEndpoint(c *gin.Context, v *view) error {
	_, err := p.svc.TestWebhookEndpoint(c.Request.Context(), sessionOf(c).principal, v.Org.ID, pathID(c, "endpointId"))
	return err
}

// retryDelivery makes a delivery pending again; the endpoint is the path's or the form's
// endpoint_id.
func (p *Portal) retryDelivery(c *gin.Context, v *view) error {
	endpointID := pathID(c, "endpointId")
	if endpointID == 0 {
		c.Params = append(c.Params, gin.Param{Key: "endpointId", Value: c.PostForm("endpoint_id")})
		endpointID = pathID(c, "endpointId")
	}
	_, err := p.svc.RetryWebhookDelivery(c.Request.Context(), sessionOf(c).principal, v.Org.ID, endpointID, pathID(c, "deliveryId"))
	return err
}
