package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/orgkit/orgkit"
)

// metricsConfig is the binary's metrics: orgkit's families, labelled with this build's
// version, beside the Go runtime's and the process's.
func metricsConfig() orgkit.MetricsConfig {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return orgkit.MetricsConfig{Registerer: reg, Version: versionString()}
}

// serveMetrics serves GET /metrics: on the main router when addr is empty, else only on a
// listener of its own at addr (ORGKIT_METRICS_ADDR), which stop closes once the main
// listener has drained, so the last scrapes still see the shutdown.
func serveMetrics(addr string, router *gin.Engine, k *orgkit.Kit, log *slog.Logger) (stop func(), err error) {
	if addr == "" {
		router.GET("/metrics", gin.WrapH(k.MetricsHandler()))
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ORGKIT_METRICS_ADDR: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", k.MetricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	log.Info("metrics listener", slog.String("addr", ln.Addr().String()))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics listener stopped", slog.Any("error", err))
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// listenAddr checks a host:port setting (an empty host listens on every interface).
func listenAddr(env, addr string) error {
	if addr == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(addr); err != nil || port == "" {
		return fmt.Errorf("%s must be a host:port such as 0.0.0.0:9090, not %q", env, addr)
	}
	return nil
}
