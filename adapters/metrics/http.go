package metrics

import (
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// httpBuckets span a cached resolve (under a millisecond) to a request that hit a timeout.
var httpBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// httpMetrics are orgkit_http_requests_total and orgkit_http_request_duration_seconds. Each
// request's series are looked up in a map of those seen before, read without a lock and
// copied on the rare write, so a request allocates nothing: WithLabelValues would hash and
// look its labels up under a lock every time.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	series   atomic.Pointer[map[httpKey]httpSeries]
	mu       sync.Mutex // serializes writers of series
}

// httpKey is a request's labels before they are strings: method and status already bounded.
type httpKey struct {
	route, method string
	status        int
}

type httpSeries struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

func newHTTPMetrics() *httpMetrics {
	labels := []string{"route", "method", "status"}
	h := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orgkit_http_requests_total",
			Help: `HTTP requests by route template ("unmatched": no route), method and status code.`}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orgkit_http_request_duration_seconds",
			Help: "HTTP request latency by route template, method and status code.", Buckets: httpBuckets}, labels),
	}
	h.series.Store(&map[httpKey]httpSeries{})
	return h
}

// Unmatched is the route label of a request no route matched (a 404 or 405), so the
// request's path, which anyone chooses, never becomes a label.
const Unmatched = "unmatched"

func (h *httpMetrics) observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = Unmatched
	}
	k := httpKey{route: route, method: boundedMethod(method), status: status}
	if k.status < 100 || k.status > 599 {
		k.status = 0
	}
	s, ok := (*h.series.Load())[k]
	if !ok {
		s = h.add(k)
	}
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}

// add makes k's series and publishes a copy of the map holding them.
func (h *httpMetrics) add(k httpKey) httpSeries {
	h.mu.Lock()
	defer h.mu.Unlock()
	old := *h.series.Load()
	if s, ok := old[k]; ok {
		return s
	}
	status := statusLabels[k.status]
	s := httpSeries{count: h.requests.WithLabelValues(k.route, k.method, status),
		duration: h.duration.WithLabelValues(k.route, k.method, status)}
	next := make(map[httpKey]httpSeries, len(old)+1)
	maps.Copy(next, old)
	next[k] = s
	h.series.Store(&next)
	return s
}

// boundedMethod is the method's label: the standard methods as they are, anything else
// "other", since a client may send any token as a method.
func boundedMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// statusLabels are the status codes' labels, made once: index 0 is "other" (out of range).
var statusLabels = func() [600]string {
	var t [600]string
	t[0] = "other"
	for i := 100; i < 600; i++ {
		t[i] = strconv.Itoa(i)
	}
	return t
}()
