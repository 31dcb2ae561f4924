package blob_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/blob/blobtest"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/ports"
)

func TestFile_Contract(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) ports.BlobStore {
		s, err := blob.NewFile(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestDB_Contract(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			blobtest.Run(t, func(t *testing.T) ports.BlobStore { return blob.NewDB(migratedDB(t, d)) })
		})
	}
}

// TestS3_Contract runs the contract through Open on a real S3 protocol server (gofakes3) on
// loopback, with credentials from the environment and a key prefix.
func TestS3_Contract(t *testing.T) {
	fake := newFakeS3(t)
	blobtest.Run(t, func(t *testing.T) ports.BlobStore {
		s, err := blob.Open(context.Background(), fake.url(t, fake.bucket(t), "tenant/a"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// migratedDB is a *gorm.DB on a new database of dialect d with orgkit's migrations applied.
func migratedDB(t *testing.T, d gormstore.Dialect) *gorm.DB {
	t.Helper()
	ctx := context.Background()
	db, err := gormstore.OpenDB(ctx, gormtest.URL(t, d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	s, err := gormstore.New(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Test credentials, set in the environment as an operator would.
const (
	testAccessKey = "AKIAORGKITTEST"
	testSecretKey = "orgkit-test-secret-do-not-print"
)

// fakeS3 is gofakes3 on loopback, recording the Authorization header of each request.
type fakeS3 struct {
	backend  *s3mem.Backend
	endpoint string
	buckets  atomic.Int64

	mu    sync.Mutex
	auths []string
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	t.Setenv("AWS_ACCESS_KEY_ID", testAccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", testSecretKey)
	f := &fakeS3{backend: s3mem.New()}
	h := gofakes3.New(f.backend).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.endpoint = srv.Listener.Addr().String()
	return f
}

// bucket creates a new bucket.
func (f *fakeS3) bucket(t *testing.T) string {
	t.Helper()
	name := fmt.Sprintf("orgkit-%d", f.buckets.Add(1))
	if err := f.backend.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	return name
}

func (f *fakeS3) url(t *testing.T, bucket, prefix string) string {
	t.Helper()
	return "s3://" + bucket + "/" + prefix + "?endpoint=" + f.endpoint + "&insecure=true&region=us-east-1"
}

func (f *fakeS3) authorizations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auths...)
}

// TestS3_SignsWithTheEnvironmentsCredentials: every request is signed with
// AWS_ACCESS_KEY_ID, and the secret itself never travels.
func TestS3_SignsWithTheEnvironmentsCredentials(t *testing.T) {
	fake := newFakeS3(t)
	s, err := blob.Open(context.Background(), fake.url(t, fake.bucket(t), ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Put(t, s, "a", []byte("x"), "text/plain")
	blobtest.Get(t, s, "a")
	auths := fake.authorizations()
	if len(auths) < 3 { // the probe, the put, the get
		t.Fatalf("%d requests; want at least 3", len(auths))
	}
	for _, a := range auths {
		if !strings.HasPrefix(a, "AWS4-HMAC-SHA256 Credential="+testAccessKey+"/") || strings.Contains(a, testSecretKey) {
			t.Errorf("authorization %q; want SigV4 with %s", a, testAccessKey)
		}
	}
}

// TestS3_PrefixAndForeignObjects: keys live under the URL's prefix; List leaves out objects
// outside it and objects whose names are not keys.
func TestS3_PrefixAndForeignObjects(t *testing.T) {
	fake := newFakeS3(t)
	bucket := fake.bucket(t)
	s, err := blob.Open(context.Background(), fake.url(t, bucket, "/tenant/a/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Put(t, s, "logos/1", []byte("png"), "image/png")
	if obj, err := fake.backend.HeadObject(bucket, "tenant/a/logos/1"); err != nil || obj.Size != 3 {
		t.Fatalf("object tenant/a/logos/1: %+v %v", obj, err)
	}
	for _, name := range []string{"tenant/a/Foreign.TXT", "tenant/ab", "other/logos/2", "tenant/a/x//y"} {
		if _, err := fake.backend.PutObject(bucket, name, nil, strings.NewReader("x"), 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	infos := blobtest.List(t, s, "")
	if len(infos) != 1 || infos[0].Key != "logos/1" {
		t.Fatalf("list: %+v; want only logos/1", infos)
	}
}

// TestNewS3_StaticCredentials: an embedder's own keys win over the environment's.
func TestNewS3_StaticCredentials(t *testing.T) {
	fake := newFakeS3(t)
	s, err := blob.NewS3(blob.S3Config{Bucket: fake.bucket(t), Endpoint: fake.endpoint, Insecure: true,
		AccessKeyID: "AKIAEMBEDDER", SecretAccessKey: "embedder-secret"})
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Put(t, s, "a", []byte("x"), "text/plain")
	auths := fake.authorizations()
	if len(auths) != 1 || !strings.HasPrefix(auths[0], "AWS4-HMAC-SHA256 Credential=AKIAEMBEDDER/") {
		t.Fatalf("authorizations %q; want one signed by AKIAEMBEDDER", auths)
	}
}
