package metrics

import (
	"database/sql"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	dbConnsDesc = prometheus.NewDesc("orgkit_db_connections", "orgkit's database pool connections by state (in_use, idle).",
		[]string{"state"}, nil)
	dbMaxOpenDesc = prometheus.NewDesc("orgkit_db_max_open_connections", "The limit of orgkit's database pool (0: none).", nil, nil)
	dbWaitDesc    = prometheus.NewDesc("orgkit_db_wait_total", "Connections waited for, since the pool opened.", nil, nil)
	dbWaitSecDesc = prometheus.NewDesc("orgkit_db_wait_seconds_total", "Total time spent waiting for a connection.", nil, nil)
)

// dbCollector reads the pool's sql.DBStats at each scrape: nothing is counted per query.
type dbCollector struct{ stats func() sql.DBStats }

func (dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbConnsDesc
	ch <- dbMaxOpenDesc
	ch <- dbWaitDesc
	ch <- dbWaitSecDesc
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(dbConnsDesc, prometheus.GaugeValue, float64(s.InUse), "in_use")
	ch <- prometheus.MustNewConstMetric(dbConnsDesc, prometheus.GaugeValue, float64(s.Idle), "idle")
	ch <- prometheus.MustNewConstMetric(dbMaxOpenDesc, prometheus.GaugeValue, float64(s.MaxOpenConnections))
	ch <- prometheus.MustNewConstMetric(dbWaitDesc, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(dbWaitSecDesc, prometheus.CounterValue, s.WaitDuration.Seconds())
}
