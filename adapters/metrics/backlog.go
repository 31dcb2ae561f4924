package metrics

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	mailBacklogDesc    = prometheus.NewDesc("orgkit_mail_outbox_backlog", "Mails waiting to be sent (retries included), counted at scrape.", nil, nil)
	webhookBacklogDesc = prometheus.NewDesc("orgkit_webhook_backlog", "Webhook deliveries due or waiting for a retry, counted at scrape.", nil, nil)
)

// backlogCollector counts the mail and webhook backlogs at each scrape: one indexed count
// each, shared by every replica's database. A count that fails is left out of the scrape
// (and logged) rather than failing it, so the other families still arrive.
type backlogCollector struct {
	mail, webhooks func(context.Context) (int64, error)
	log            *slog.Logger
}

func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	if c.mail != nil {
		ch <- mailBacklogDesc
	}
	if c.webhooks != nil {
		ch <- webhookBacklogDesc
	}
}

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
	defer cancel()
	c.gauge(ctx, ch, "orgkit_mail_outbox_backlog", mailBacklogDesc, c.mail)
	c.gauge(ctx, ch, "orgkit_webhook_backlog", webhookBacklogDesc, c.webhooks)
}

func (c backlogCollector) gauge(ctx context.Context, ch chan<- prometheus.Metric, name string, d *prometheus.Desc, count func(context.Context) (int64, error)) {
	if count == nil {
		return
	}
	n, err := count(ctx)
	if err != nil {
		c.log.WarnContext(ctx, "metrics: backlog count failed; left out of this scrape", slog.String("metric", name), slog.Any("error", err))
		return
	}
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n))
}
