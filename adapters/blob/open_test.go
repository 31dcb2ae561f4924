package blob_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/blob/blobtest"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
)

// TestOpen_Schemes: each scheme gives its store, which works.
func TestOpen_Schemes(t *testing.T) {
	fake := newFakeS3(t)
	dir := t.TempDir()
	db := migratedDB(t, gormtest.Dialects(t)[0])
	for name, c := range map[string]struct {
		url  string
		want string
	}{
		"file":           {"file:" + filepath.Join(dir, "a"), "*blob.File"},
		"file_absolute":  {"file://" + filepath.Join(dir, "b"), "*blob.File"},
		"file_localhost": {"file://localhost" + filepath.Join(dir, "c"), "*blob.File"},
		"db":             {"db:", "*blob.DB"},
		"s3":             {fake.url(t, fake.bucket(t), "tenant"), "*blob.S3"},
		"s3_no_prefix":   {"s3://" + fake.bucket(t) + "?endpoint=" + fake.endpoint + "&insecure=true", "*blob.S3"},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := blob.Open(context.Background(), c.url, db)
			if err != nil {
				t.Fatal(err)
			}
			if got := typeName(s); got != c.want {
				t.Fatalf("store %s; want %s", got, c.want)
			}
			blobtest.Put(t, s, "k", []byte("v"), "text/plain")
			if b := blobtest.Get(t, s, "k"); string(b.Data) != "v" {
				t.Fatalf("got %q", b.Data)
			}
		})
	}
	for _, sub := range []string{"a", "b", "c"} {
		m, err := filepath.Glob(filepath.Join(dir, sub, "k*"))
		if err != nil || len(m) != 1 {
			t.Errorf("file store %s holds %q for key k (%v); want one file", sub, m, err)
		}
	}
}

// TestOpen_Malformed: every malformed URL is refused with an error naming the problem, and
// no error repeats a credential.
func TestOpen_Malformed(t *testing.T) {
	fake := newFakeS3(t)
	db := migratedDB(t, gormtest.Dialects(t)[0])
	ep := "&endpoint=" + fake.endpoint + "&insecure=true"
	for name, c := range map[string]struct {
		url  string
		db   bool
		want string
	}{
		"empty":                {"", true, "unknown store"},
		"no_scheme":            {"blobs/dir", true, "unknown store \"(no scheme)\""},
		"other_scheme":         {"ftp://host/x", true, "unknown store \"ftp:\""},
		"postgres_with_pw":     {"postgres://user:hunter2@host/db", true, "unknown store \"postgres:\""},
		"file_empty":           {"file:", true, "needs a directory"},
		"file_remote_host":     {"file://server/share", true, "file:///<absolute dir>"},
		"db_without_database":  {"db:", false, "needs orgkit's database"},
		"db_with_suffix":       {"db:orgkit", true, "nothing after the colon"},
		"s3_no_bucket":         {"s3:///prefix?x=1" + ep, true, "no bucket"},
		"s3_empty":             {"s3://", true, "no bucket"},
		"s3_bad_bucket":        {"s3://Bad_Bucket/p?" + ep[1:], true, "bucket \"Bad_Bucket\""},
		"s3_bucket_with_port":  {"s3://bucket:9000/p", true, "bucket \"bucket:9000\""},
		"s3_credentials":       {"s3://AKIA:hunter2@bucket/p?" + ep[1:], true, "credentials do not go in the URL"},
		"s3_endpoint_scheme":   {"s3://bucket/p?endpoint=http://127.0.0.1:9000", true, "endpoint \"http://127.0.0.1:9000\""},
		"s3_endpoint_path":     {"s3://bucket/p?endpoint=127.0.0.1:9000/x", true, "want host:port"},
		"s3_endpoint_port":     {"s3://bucket/p?endpoint=127.0.0.1:notaport", true, "want host:port"},
		"s3_endpoint_big_port": {"s3://bucket/p?endpoint=127.0.0.1:99999", true, "want host:port"},
		"s3_endpoint_no_port":  {"s3://bucket/p?endpoint=127.0.0.1:", true, "want host:port"},
		"s3_endpoint_empty":    {"s3://bucket/p?endpoint=", true, "want host:port"},
		"s3_endpoint_no_host":  {"s3://bucket/p?endpoint=:9000", true, "want host:port"},
		"s3_endpoint_twice":    {"s3://bucket/p?endpoint=a:1&endpoint=b:2", true, "endpoint given 2 times"},
		"s3_insecure":          {"s3://bucket/p?insecure=maybe", true, "insecure=\"maybe\": want true or false"},
		"s3_region":            {"s3://bucket/p?region=", true, "region \"\""},
		"s3_unknown_param":     {"s3://bucket/p?endpiont=127.0.0.1:9000", true, "unknown parameter \"endpiont\""},
		"s3_empty_segment":     {"s3://bucket/a//b" + "?" + ep[1:], true, "empty, . or .. segment"},
		"s3_dotdot_segment":    {"s3://bucket/a/../b" + "?" + ep[1:], true, "empty, . or .. segment"},
		"s3_fragment":          {"s3://bucket/p#x", true, "want s3://bucket/prefix"},
		"s3_bad_escape":        {"s3://bucket/p%zz", true, "s3 URL"},
		"s3_missing_bucket":    {"s3://missing-bucket/p?" + ep[1:], true, "s3 bucket \"missing-bucket\""},
	} {
		t.Run(name, func(t *testing.T) {
			gormDB := db
			if !c.db {
				gormDB = nil
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			s, err := blob.Open(ctx, c.url, gormDB)
			if err == nil || s != nil {
				t.Fatalf("open %q: %v, %v; want an error", c.url, s, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q; want it to say %q", err, c.want)
			}
			for _, secret := range []string{"hunter2", testSecretKey} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q repeats a secret", err)
				}
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *blob.File:
		return "*blob.File"
	case *blob.DB:
		return "*blob.DB"
	case *blob.S3:
		return "*blob.S3"
	default:
		return "other"
	}
}

// TestOpen_S3ProbeIsBoundByTheContext: a server that accepts connections and never answers
// holds Open only until the context's deadline.
func TestOpen_S3ProbeIsBoundByTheContext(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		held []net.Conn // accepted, never answered
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		<-done
		for _, conn := range held {
			_ = conn.Close()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = blob.Open(ctx, "s3://bucket/p?insecure=true&endpoint="+ln.Addr().String(), nil)
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("open against a silent server: %v; want the deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("open took %v past a 300ms deadline", took)
	}
}
