package webhook

import (
	"net"
	"net/http"
	"time"
)

const (
	dialKeepAlive       = 30 * time.Second
	idleConnTimeout     = 90 * time.Second
	maxIdleConns        = 100
	maxIdleConnsPerHost = 4
	tlsHandshakeMax     = 10 * time.Second
	maxHeaderBytes      = 64 << 10
)

// newClient returns the one client of a Sender, dialing through guard unless it is nil.
// Connections are reused across deliveries to the same receiver; redirects are answers
// (following one could lead anywhere); no proxy from the environment is used because a
// proxy would connect to addresses the guard never saw.
func newClient(cfg Config, guard *publicDialer) *http.Client {
	dial := (&net.Dialer{Resolver: cfg.Resolver, KeepAlive: dialKeepAlive}).DialContext
	if guard != nil {
		dial = guard.DialContext
	}
	transport := &http.Transport{
		Proxy:                  nil,
		DialContext:            dial,
		ForceAttemptHTTP2:      true, // a custom DialContext turns HTTP/2 off unless asked
		MaxIdleConns:           maxIdleConns,
		MaxIdleConnsPerHost:    maxIdleConnsPerHost,
		IdleConnTimeout:        idleConnTimeout,
		TLSHandshakeTimeout:    min(tlsHandshakeMax, cfg.Timeout),
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: maxHeaderBytes,
		DisableCompression:     true, // the answer is bounded in bytes on the wire
	}
	return &http.Client{
		Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
