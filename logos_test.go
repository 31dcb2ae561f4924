package orgkit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit"
	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/gormstore"
	"github.com/orgkit/orgkit/adapters/gormstore/gormtest"
	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/internal/imagetest"
	"github.com/orgkit/orgkit/ports"
)

func TestNew_RefusesBadPublicURL(t *testing.T) {
	db := hostDB(t, gormstore.SQLite)
	for _, u := range []string{"api.example.com", "ftp://api.example.com", "https://", "https://api.example.com/?x=1", "/v1"} {
		_, err := orgkit.New(context.Background(), orgkit.Config{DB: db, PublicURL: u})
		if err == nil || !strings.Contains(err.Error(), "Config.PublicURL") {
			t.Errorf("%q: %v, want an error naming Config.PublicURL", u, err)
		}
	}
}

// TestKit_LogosUnderAHostGroup: mounted under a host's prefix, uploads keep their larger body
// limit, logo_url starts with Config.PublicURL, and the public URL serves the bytes.
func TestKit_LogosUnderAHostGroup(t *testing.T) {
	ctx := context.Background()
	store, err := blob.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostDB(t, gormstore.SQLite), Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{"root@example.com"}, Blobs: store, PublicURL: "https://example.com/api/"})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	k.Register(r.Group("/api"))
	srv := httptest.NewServer(r)
	defer srv.Close()
	root := mint(t, "root", "root@example.com")
	if code, body := call(t, srv, "POST", "/api/v1/organizations", root, `{"name": "Acme", "slug": "acme"}`); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	gifData := imagetest.GIF(3, 3)
	full := append(gifData, make([]byte, domain.MaxImageBytes-len(gifData))...)
	if code, err := uploadLogo(srv, root, "/api/v1/organizations/slug/acme/logo", full); code != 200 || err != nil {
		t.Fatalf("upload of exactly 1 MiB under /api: %d %v", code, err)
	}
	_, org := call(t, srv, "GET", "/api/v1/organizations/slug/acme", root, "")
	logo, _ := org["data"].(map[string]any)["logo_url"].(string)
	if !strings.HasPrefix(logo, "https://example.com/api/v1/public/organizations/1/logo?v=") {
		t.Fatalf("logo_url %q", logo)
	}
	pub, err := srv.Client().Get(srv.URL + strings.TrimPrefix(logo, "https://example.com"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(pub.Body)
	pub.Body.Close()
	if err != nil || pub.StatusCode != 200 || !bytes.Equal(got, full) || pub.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("public logo: %d %s", pub.StatusCode, pub.Header)
	}
}

// TestKit_RunCollectsOrphanBlobs: Run deletes, when it starts and every OrphanBlobsEvery,
// the blobs older than an hour that no organization names.
func TestKit_RunCollectsOrphanBlobs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := blob.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostDB(t, gormstore.SQLite), Blobs: store,
		Domains: orgkit.DomainsConfig{Recheck: orgkit.RecheckConfig{Disabled: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	orphan, fresh := "organizations/42/logo/"+strings.Repeat("0f", 32), "organizations/42/icon/"+strings.Repeat("1e", 32)
	for _, key := range []string{orphan, fresh} {
		if err := store.Put(ctx, key, []byte("x"), "image/png"); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(filepath.Join(dir, filepath.FromSlash(orphan)+"~blob"), old, old); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var runErr error
	wg.Go(func() { runErr = k.Run(runCtx) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		left, err := store.List(ctx, "organizations/")
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 1 && left[0].Key == fresh {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Run left %v", left)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if runErr != nil {
		t.Fatal(runErr)
	}
}

// Uploaded logos and icons go to a blob store every replica shares, and their URLs start
// with the address the API is reached at (here under the host's /api prefix).
func ExampleConfig_logos() {
	ctx := context.Background()
	db := hostPool()
	blobs, err := blob.Open(ctx, "file:/var/lib/orgkit/blobs", db)
	if err != nil {
		log.Fatal(err)
	}
	k, err := orgkit.New(ctx, orgkit.Config{DB: db, Blobs: blobs, PublicURL: "https://example.com/api"})
	if err != nil {
		log.Fatal(err)
	}
	k.Register(gin.Default().Group("/api"))
	go func() { _ = k.Run(ctx) }() // deletes blobs no organization names, every OrphanBlobsEvery
}

// TestKit_WithTxKeepsReplacedBlobs: inside a host's transaction a replaced image's blob is not
// deleted (the host may roll back to the row naming it); a rollback keeps serving it.
func TestKit_WithTxKeepsReplacedBlobs(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := hostDB(t, d)
			store, err := blob.NewFile(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			k, p, org := acmeKit(t, orgkit.Config{DB: db, Blobs: store})
			if org, err = k.Service().SetOrganizationImage(ctx, p, org.ID, domain.ImageLogo, imagetest.PNG(5, 5)); err != nil {
				t.Fatal(err)
			}
			rollback := errors.New("host rolls back")
			err = db.Transaction(func(tx *gorm.DB) error {
				if _, err := k.WithTx(tx).SetOrganizationImage(ctx, p, org.ID, domain.ImageLogo, imagetest.PNG(6, 6)); err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) {
				t.Fatal(err)
			}
			img, err := k.Service().PublicImage(ctx, org.ID, domain.ImageLogo)
			if err != nil || !strings.HasPrefix(*org.LogoBlobKey, "organizations/") || img.Key != *org.LogoBlobKey {
				t.Fatalf("after rollback: %+v %v", img, err)
			}
			if _, err := k.Service().ImageBlob(ctx, img); err != nil {
				t.Fatalf("the rolled-back upload deleted the image still named: %v", err)
			}
		})
	}
}

// TestKit_LogosDefaultToTheDatabase: with no Config.Blobs an upload is kept in the
// database's orgkit_blobs table, which every replica shares, and served from there.
func TestKit_LogosDefaultToTheDatabase(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db := hostDB(t, d)
			k, err := orgkit.New(ctx, orgkit.Config{DB: db, Auth: orgkit.AuthConfig{HS256Secret: secret},
				SuperadminEmails: []string{"root@example.com"}})
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			r := gin.New()
			k.Register(r)
			srv := httptest.NewServer(r)
			defer srv.Close()
			root := mint(t, "root", "root@example.com")
			if code, body := call(t, srv, "POST", "/v1/organizations", root, `{"name": "Acme", "slug": "acme"}`); code != 201 {
				t.Fatalf("create: %d %v", code, body)
			}
			if code, err := uploadLogo(srv, root, "/v1/organizations/1/logo", imagetest.PNG(4, 4)); code != 200 || err != nil {
				t.Fatalf("upload: %d %v", code, err)
			}
			var rows int64
			if err := db.Raw("SELECT count(*) FROM orgkit_blobs WHERE key LIKE 'organizations/1/logo/%'").Scan(&rows).Error; err != nil || rows != 1 {
				t.Fatalf("orgkit_blobs holds %d logos of organization 1 (%v), want 1", rows, err)
			}
			pub, err := srv.Client().Get(srv.URL + "/v1/public/organizations/1/logo")
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(pub.Body)
			if cerr := pub.Body.Close(); err == nil {
				err = cerr
			}
			if err != nil || pub.StatusCode != 200 || pub.Header.Get("Content-Type") != "image/png" || len(got) == 0 {
				t.Fatalf("public logo: %d %s %d bytes %v", pub.StatusCode, pub.Header, len(got), err)
			}
		})
	}
}

// pausedPuts holds the next Put after it wrote, until released: an upload caught between
// writing its blob and committing the row that names it.
type pausedPuts struct {
	ports.BlobStore
	pause   atomic.Bool
	written chan struct{}
	release chan struct{}
}

func (p *pausedPuts) Put(ctx context.Context, key string, data []byte, ct string) error {
	err := p.BlobStore.Put(ctx, key, data, ct)
	if p.pause.CompareAndSwap(true, false) {
		p.written <- struct{}{}
		<-p.release
	}
	return err
}

// uploadLogo posts data as the logo of the organization at path and returns the status.
func uploadLogo(srv *httptest.Server, tok, path string, data []byte) (int, error) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	w, err := mw.CreateFormFile("logo", "logo.png")
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(data); err != nil {
		return 0, err
	}
	if err := mw.Close(); err != nil {
		return 0, err
	}
	req, err := http.NewRequest("POST", srv.URL+path, &b)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	res, err := srv.Client().Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	if cerr := res.Body.Close(); err == nil {
		err = cerr
	}
	return res.StatusCode, err
}

// TestKit_RemoveRacingAReuploadOfTheSameImage: a removal that commits while an upload of the
// same bytes has written its blob but not committed must not delete the blob that upload
// then names (every upload has a key of its own).
func TestKit_RemoveRacingAReuploadOfTheSameImage(t *testing.T) {
	ctx := context.Background()
	files, err := blob.NewFile(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := &pausedPuts{BlobStore: files, written: make(chan struct{}), release: make(chan struct{})}
	k, err := orgkit.New(ctx, orgkit.Config{DB: hostDB(t, gormstore.SQLite), Auth: orgkit.AuthConfig{HS256Secret: secret},
		SuperadminEmails: []string{"root@example.com"}, Blobs: store})
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	k.Register(r)
	srv := httptest.NewServer(r)
	defer srv.Close()
	root := mint(t, "root", "root@example.com")
	if code, body := call(t, srv, "POST", "/v1/organizations", root, `{"name": "Acme", "slug": "acme"}`); code != 201 {
		t.Fatalf("create: %d %v", code, body)
	}
	png := imagetest.PNG(8, 8)
	if code, err := uploadLogo(srv, root, "/v1/organizations/1/logo", png); code != 200 || err != nil {
		t.Fatalf("first upload: %d %v", code, err)
	}
	store.pause.Store(true)
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := uploadLogo(srv, root, "/v1/organizations/1/logo", png)
		done <- result{code, err}
	}()
	<-store.written
	if code, body := call(t, srv, "DELETE", "/v1/organizations/1/logo", root, ""); code != 200 {
		t.Fatalf("remove: %d %v", code, body)
	}
	close(store.release)
	if res := <-done; res.code != 200 || res.err != nil {
		t.Fatalf("second upload: %d %v", res.code, res.err)
	}
	_, org := call(t, srv, "GET", "/v1/organizations/1", root, "")
	if org["data"].(map[string]any)["logo_url"] == nil {
		t.Fatal("the second upload committed after the removal, but logo_url is null")
	}
	if code, _ := call(t, srv, "GET", "/v1/public/organizations/1/logo", "", ""); code != 200 {
		t.Fatalf("public logo: %d, want 200: logo_url names a blob the removal deleted", code)
	}
	if all, err := files.List(ctx, "organizations/"); err != nil || len(all) != 1 {
		t.Fatalf("blobs %v (%v): want exactly the one the organization names", all, err)
	}
}

// TestKit_WithTxUploadsIntoTheDatabase: with the default (database) blob store an upload
// through WithTx writes its bytes in the host's transaction: it neither waits on that
// transaction's own lock (SQLite) nor survives its rollback.
func TestKit_WithTxUploadsIntoTheDatabase(t *testing.T) {
	for _, d := range gormtest.Dialects(t) {
		t.Run(string(d), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			db := hostDB(t, d)
			k, p, org := acmeKit(t, orgkit.Config{DB: db})
			blobs := func() int64 {
				t.Helper()
				var n int64
				if err := db.Raw("SELECT count(*) FROM orgkit_blobs").Scan(&n).Error; err != nil {
					t.Fatal(err)
				}
				return n
			}
			rollback := errors.New("host rolls back")
			err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				if _, err := k.WithTx(tx).SetOrganizationImage(ctx, p, org.ID, domain.ImageLogo, imagetest.PNG(6, 6)); err != nil {
					return err
				}
				return rollback
			})
			if !errors.Is(err, rollback) || blobs() != 0 {
				t.Fatalf("rolled back upload: %v, %d blobs kept, want 0", err, blobs())
			}
			err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				_, err := k.WithTx(tx).SetOrganizationImage(ctx, p, org.ID, domain.ImageLogo, imagetest.PNG(7, 6))
				return err
			})
			if err != nil || blobs() != 1 {
				t.Fatalf("committed upload: %v, %d blobs, want 1", err, blobs())
			}
			if _, err := k.Service().PublicImage(ctx, org.ID, domain.ImageLogo); err != nil {
				t.Fatalf("public image after the committed upload: %v", err)
			}
		})
	}
}

// acmeKit is a migrated Kit on cfg holding one organization, acme, and a superadmin.
func acmeKit(t *testing.T, cfg orgkit.Config) (*orgkit.Kit, domain.Principal, domain.Organization) {
	t.Helper()
	ctx := context.Background()
	k, err := orgkit.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := k.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := k.Service().SignIn(ctx, domain.Identity{Subject: "root", Email: "root@example.com", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	p.Superadmin = true
	org, err := k.Service().CreateOrganization(ctx, p, domain.NewOrganization{Name: "Acme", Slug: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	return k, p, org
}
