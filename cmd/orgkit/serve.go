package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/adapters/httpapi"
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

	w, err := wire(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer w.Close()
	authn, err := auth.New(ctx, authConfig(cfg))
	if err != nil {
		return err
	}
	gin.SetMode(gin.ReleaseMode)
	router, err := httpapi.New(w.svc, authn, httpapi.Options{Logger: log, TrustedProxies: splitList(cfg.TrustedProxies)})
	if err != nil {
		return err
	}
	return listenAndServe(ctx, cfg.HTTPAddr, router, log, e.stdout)
}

// listenAndServe serves until ctx ends, then lets in-flight requests finish.
func listenAndServe(ctx context.Context, addr string, h http.Handler, log *slog.Logger, stdout io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("listening", slog.String("addr", ln.Addr().String()))
	fmt.Fprintf(stdout, "orgkit listening on http://%s\n", ln.Addr())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", slog.Duration("grace", shutdownGrace))
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
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
