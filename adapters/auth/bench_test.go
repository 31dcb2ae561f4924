package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/auth"
	"github.com/orgkit/orgkit/domain"
)

// BenchmarkAuthenticateHS256 is the per-request token check.
func BenchmarkAuthenticateHS256(b *testing.B) {
	cfg := auth.Config{HS256Secret: []byte("0123456789abcdef0123456789abcdef")}
	v, err := auth.New(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := auth.MintHS256(cfg, domain.Identity{Subject: "s", Email: "a@example.com"}, time.Hour, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			b.Fatal(err)
		}
	}
}
