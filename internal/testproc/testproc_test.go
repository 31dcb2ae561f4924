package testproc_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"

	"github.com/orgkit/orgkit/internal/testproc"
)

func pgPing(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.Ping(ctx)
}

func TestPostgres_StopStart(t *testing.T) {
	pg := testproc.StartPostgres(t)
	if err := pgPing(pg.DSN); err != nil {
		t.Fatalf("running: %v", err)
	}
	pg.Stop(t)
	if err := pgPing(pg.DSN); err == nil {
		t.Fatal("stopped, yet it answers")
	}
	pg.Start(t)
	if err := pgPing(pg.DSN); err != nil {
		t.Fatalf("restarted: %v", err)
	}
}

func TestRedis_StopStart(t *testing.T) {
	r := testproc.StartRedis(t)
	opt, err := redis.ParseURL(r.URL)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opt)
	defer client.Close()
	ctx := context.Background()
	if err := client.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("running: %v", err)
	}
	r.Stop(t)
	if err := client.Ping(ctx).Err(); err == nil {
		t.Fatal("stopped, yet it answers")
	}
	r.Start(t)
	if err := client.Ping(ctx).Err(); err != nil {
		t.Fatalf("restarted: %v", err)
	}
	if err := client.Get(ctx, "k").Err(); err != redis.Nil {
		t.Fatalf("a restarted Redis starts empty, got %v", err)
	}
}

func TestRelay_DownUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	r := testproc.StartRelay(t, ln.Addr().String())
	echo := func() error {
		c, err := net.DialTimeout("tcp", r.Addr, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.Write([]byte("hi")); err != nil {
			return err
		}
		buf := make([]byte, 2)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = io.ReadFull(c, buf)
		return err
	}
	if err := echo(); err != nil {
		t.Fatalf("up: %v", err)
	}
	r.Down()
	if err := echo(); err == nil {
		t.Fatal("down, yet it forwards")
	}
	r.Up(t)
	if err := echo(); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
