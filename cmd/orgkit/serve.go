package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/auth"
)

const shutdownGrace = 15 * time.Second

func serve(ctx context.Context, e env, args []string) error {
	var cfg config
	fs := newFlags(e, "serve", "[--dev] [flags]")
	cfg.register(fs)
	fs.BoolVar(&cfg.Dev, "dev", false, "development mode: generated HS256 secret and vault key in --data-dir, dev superadmin")
	if err := cfg.parse(fs, args, e.getenv); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log, err := newLogger(cfg, e.stderr)
	if err != nil {
		return err
	}
	if cfg.Dev {
		if err := enableDevMode(&cfg, e.stderr); err != nil {
			return err
		}
	} else if cfg.AuthHS256Secret == "" && cfg.AuthJWKSURL == "" {
		return errors.New("no authentication configured: set ORGKIT_AUTH_JWKS_URL (e.g. https://<clerk-frontend-api>/.well-known/jwks.json) or ORGKIT_AUTH_HS256_SECRET, or run `orgkit serve --dev` for local development")
	}

	if cfg.lookup("ORGKIT_VAULT_KEYS") == "" {
		log.Warn("ORGKIT_VAULT_KEYS is not set: the API-key vault answers 503 vault_unavailable")
	}
	gin.SetMode(gin.ReleaseMode)
	tp, err := tracerProvider(ctx, e.getenv)
	if err != nil {
		return err
	}
	if tp != nil {
		// Registered first, so it runs last: after the server drained and Run stopped.
		defer flushTraces(tp, log.Warn)
		cfg.tracer = tp
	}
	var draining atomic.Bool
	k, closeKit, err := kit(ctx, cfg, log, draining.Load)
	if err != nil {
		return err
	}
	defer closeKit()
	router, err := newRouter(k, splitList(cfg.TrustedProxies))
	if err != nil {
		return err
	}
	if cfg.DebugAddr != "" {
		if err := serveDebug(ctx, cfg.DebugAddr, k, log); err != nil {
			return err
		}
	}
	stopMetrics, err := serveMetrics(cfg.MetricsAddr, router, k, log)
	if err != nil {
		return err
	}
	defer stopMetrics()
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		if err := k.Run(ctx); err != nil {
			log.Error("background work stopped", slog.Any("error", err))
		}
	}()
	s := server{addr: cfg.HTTPAddr, handler: router, log: log, delay: cfg.ShutdownDelay, draining: &draining}
	err = s.listenAndServe(ctx, e.stdout)
	if ctx.Err() != nil {
		awaitBackground(ran, log)
	}
	return err
}

// awaitBackground waits, up to shutdownGrace, for Run to finish what it claimed (a webhook
// delivery, a domain check): a process that exited in the middle would leave the claim to
// its lease, and the receiver could get the delivery twice.
func awaitBackground(ran <-chan struct{}, log *slog.Logger) {
	t := time.NewTimer(shutdownGrace)
	defer t.Stop()
	select {
	case <-ran:
	case <-t.C:
		log.Warn("background work did not stop in time; what it claimed waits for its lease", slog.Duration("grace", shutdownGrace))
	}
}

// server is the HTTP listener and its two-step shutdown.
type server struct {
	addr     string
	handler  http.Handler
	log      *slog.Logger
	delay    time.Duration // ORGKIT_SHUTDOWN_DELAY
	draining *atomic.Bool  // read by /readyz
}

// listenAndServe serves until ctx ends, then drains: for the delay /readyz answers 503, so
// load balancers stop routing here, while every request that still arrives is served (on a
// connection closed after its answer); then it stops accepting and lets in-flight requests
// finish.
func (s server) listenAndServe(ctx context.Context, stdout io.Writer) error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.addr, err)
	}
	srv := &http.Server{
		Handler: closeWhileDraining(s.handler, s.draining), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("listening", slog.String("addr", ln.Addr().String()))
	fmt.Fprintf(stdout, "orgkit listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	s.log.Info("draining: /readyz answers 503", slog.Duration("shutdown_delay", s.delay))
	delay := time.NewTimer(s.delay)
	defer delay.Stop()
	select {
	case err := <-errc:
		return err
	case <-delay.C:
	}
	s.log.Info("shutting down", slog.Duration("grace", shutdownGrace))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// closeWhileDraining disables keep-alive once draining starts: each answer closes its
// connection, so clients reconnect (to another replica) instead of reusing one that
// Shutdown will close. Idle connections are left alone until then (Server.SetKeepAlivesEnabled
// would close them at once, under clients about to reuse them).
func closeWhileDraining(h http.Handler, draining *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if draining.Load() {
			w.Header().Set("Connection", "close")
		}
		h.ServeHTTP(w, r)
	})
}

// newRouter is the binary's own Gin engine: orgkit's operational routes (with unknown routes
// and methods answered in orgkit's envelope), its API and the admin portal at /portal/.
func newRouter(k *orgkit.Kit, trustedProxies []string) (*gin.Engine, error) {
	r := gin.New()
	r.ContextWithFallback = true
	if err := r.SetTrustedProxies(trustedProxies); err != nil {
		return nil, fmt.Errorf("ORGKIT_TRUSTED_PROXIES: %w", err)
	}
	k.RegisterOps(r)
	k.Register(r)
	k.RegisterPortal(r)
	return r, nil
}

func authConfig(cfg config) auth.Config {
	return auth.Config{
		HS256Secret: []byte(cfg.AuthHS256Secret), JWKSURL: cfg.AuthJWKSURL,
		Issuer: cfg.AuthIssuer, Audience: cfg.AuthAudience, EmailClaim: cfg.AuthEmailClaim,
		AssumeEmailVerified: cfg.assumeVerified(),
	}
}

func newLogger(cfg config, w io.Writer) (*slog.Logger, error) {
	level, err := parseLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return slog.New(slog.NewJSONHandler(w, opts)), nil
}
