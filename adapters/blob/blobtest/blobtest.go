// Package blobtest is the contract every ports.BlobStore meets, run by each store's tests
// (filesystem, database on SQLite and Postgres, S3) and usable by an embedder's own store.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// Run runs the contract on stores made by open, a new empty store for each subtest.
func Run(t *testing.T, open func(t *testing.T) ports.BlobStore) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s ports.BlobStore)
	}{
		{"round_trip", roundTrip},
		{"empty_blob_and_type", emptyBlobAndType},
		{"replace", replace},
		{"get_missing", getMissing},
		{"delete", deleteBlob},
		{"list_by_prefix", listByPrefix},
		{"bad_keys", badKeys},
		{"large", large},
		{"concurrent_puts", concurrentPuts},
		{"canceled_context", canceledContext},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

// Put stores a blob or fails the test.
func Put(t *testing.T, s ports.BlobStore, key string, data []byte, contentType string) {
	t.Helper()
	if err := s.Put(context.Background(), key, data, contentType); err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
}

// Get reads a blob or fails the test.
func Get(t *testing.T, s ports.BlobStore, key string) ports.Blob {
	t.Helper()
	b, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	return b
}

// List lists blobs or fails the test.
func List(t *testing.T, s ports.BlobStore, prefix string) []ports.BlobInfo {
	t.Helper()
	infos, err := s.List(context.Background(), prefix)
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return infos
}

// AssertMissing fails the test unless Get of key is domain.ErrBlobNotFound.
func AssertMissing(t *testing.T, s ports.BlobStore, key string) {
	t.Helper()
	if b, err := s.Get(context.Background(), key); !errors.Is(err, domain.ErrBlobNotFound) {
		t.Fatalf("get %q: %d bytes, %v; want domain.ErrBlobNotFound", key, len(b.Data), err)
	}
}

// RandomBytes returns n random bytes.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails
	return b
}

func roundTrip(t *testing.T, s ports.BlobStore) {
	data := RandomBytes(3000)
	start := time.Now()
	Put(t, s, "logos/1/logo-ab12.png", data, "image/png")
	end := time.Now()
	b := Get(t, s, "logos/1/logo-ab12.png")
	if !bytes.Equal(b.Data, data) || b.ContentType != "image/png" {
		t.Fatalf("got %d bytes of %q; want the 3000 bytes put, image/png", len(b.Data), b.ContentType)
	}
	// Stores keep times at their own precision (S3: seconds).
	if b.ModTime.Before(start.Add(-2*time.Second)) || b.ModTime.After(end.Add(2*time.Second)) {
		t.Fatalf("mod time %v; want between %v and %v", b.ModTime, start, end)
	}
	infos := List(t, s, "")
	if len(infos) != 1 || infos[0].Key != "logos/1/logo-ab12.png" || infos[0].Size != 3000 || infos[0].ModTime.IsZero() {
		t.Fatalf("list: %+v; want the one blob, 3000 bytes, with its time", infos)
	}
}

func emptyBlobAndType(t *testing.T, s ports.BlobStore) {
	Put(t, s, "empty", nil, "")
	b := Get(t, s, "empty")
	if len(b.Data) != 0 || b.ContentType != "application/octet-stream" {
		t.Fatalf("got %d bytes of %q; want none, application/octet-stream", len(b.Data), b.ContentType)
	}
	if infos := List(t, s, ""); len(infos) != 1 || infos[0].Size != 0 {
		t.Fatalf("list: %+v; want one empty blob", infos)
	}
}

func replace(t *testing.T, s ports.BlobStore) {
	Put(t, s, "icons/7", []byte("first version, longer"), "image/png")
	Put(t, s, "icons/7", []byte("<svg/>"), "image/svg+xml")
	b := Get(t, s, "icons/7")
	if string(b.Data) != "<svg/>" || b.ContentType != "image/svg+xml" {
		t.Fatalf("got %q of %q; want the second put", b.Data, b.ContentType)
	}
	if infos := List(t, s, "icons/"); len(infos) != 1 || infos[0].Size != 6 {
		t.Fatalf("list: %+v; want one blob of 6 bytes", infos)
	}
}

func getMissing(t *testing.T, s ports.BlobStore) {
	AssertMissing(t, s, "never/put")
	Put(t, s, "a/b", []byte("x"), "text/plain")
	AssertMissing(t, s, "a") // a key's parent is no blob
	AssertMissing(t, s, "a/b/c")
}

func deleteBlob(t *testing.T, s ports.BlobStore) {
	ctx := context.Background()
	if err := s.Delete(ctx, "never/put"); err != nil {
		t.Fatalf("delete of a missing key: %v", err)
	}
	Put(t, s, "gone/soon", []byte("x"), "text/plain")
	Put(t, s, "gone/stays", []byte("y"), "text/plain")
	if err := s.Delete(ctx, "gone/soon"); err != nil {
		t.Fatal(err)
	}
	AssertMissing(t, s, "gone/soon")
	if err := s.Delete(ctx, "gone/soon"); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	if infos := List(t, s, ""); len(infos) != 1 || infos[0].Key != "gone/stays" {
		t.Fatalf("list: %+v; want only gone/stays", infos)
	}
}

func listByPrefix(t *testing.T, s ports.BlobStore) {
	// "orgs/1" is both a blob and the parent of others; put out of order.
	sizes := map[string]int{"orgs/2/a": 4, "orgs/1/b": 2, "other/x": 5, "orgs/10/a": 3, "orgs/1": 6, "orgs/1/a": 1, "orgs/1/a.b-c_d": 7}
	for key, n := range sizes {
		Put(t, s, key, RandomBytes(n), "application/octet-stream")
	}
	for prefix, want := range map[string][]string{
		"orgs/1/":    {"orgs/1/a", "orgs/1/a.b-c_d", "orgs/1/b"},
		"orgs/1":     {"orgs/1", "orgs/1/a", "orgs/1/a.b-c_d", "orgs/1/b", "orgs/10/a"},
		"orgs/1/a":   {"orgs/1/a", "orgs/1/a.b-c_d"},
		"":           {"orgs/1", "orgs/1/a", "orgs/1/a.b-c_d", "orgs/1/b", "orgs/10/a", "orgs/2/a", "other/x"},
		"o":          {"orgs/1", "orgs/1/a", "orgs/1/a.b-c_d", "orgs/1/b", "orgs/10/a", "orgs/2/a", "other/x"},
		"orgs/3":     {},
		"zzz":        {},
		"ORGS/":      {}, // keys are lowercase: no case folding
		"orgs/1\x00": {},
		"orgs/1%":    {}, // no LIKE wildcards
		"orgs/_":     {},
	} {
		infos := List(t, s, prefix)
		var keys []string
		for _, info := range infos {
			keys = append(keys, info.Key)
			if info.Size != int64(sizes[info.Key]) || info.ModTime.IsZero() {
				t.Errorf("list %q: %+v; want %d bytes and a time", prefix, info, sizes[info.Key])
			}
		}
		if len(keys) != len(want) || !slices.Equal(keys, want) {
			t.Errorf("list %q: %d keys %q; want %d: %q", prefix, len(keys), keys, len(want), want)
		}
	}
}

// BadKeys are keys outside ports.BlobStore's alphabet, which every store refuses.
var BadKeys = []string{"", "../escape", "a/../../escape", "a/..", "..", ".", "a/./b", "a//b", "a/", "/abs",
	"/etc/passwd", `a\b`, `..\escape`, "Upper", "a/B", "a b", "é", "a\x00b", "a:b", "a~blob", "a?b", "a*b", "a%2fb",
	string(bytes.Repeat([]byte("a"), 513))}

func badKeys(t *testing.T, s ports.BlobStore) {
	ctx := context.Background()
	for _, key := range BadKeys {
		if err := s.Put(ctx, key, []byte("x"), "text/plain"); err == nil {
			t.Errorf("put %q: no error", key)
		}
		if _, err := s.Get(ctx, key); err == nil || errors.Is(err, domain.ErrBlobNotFound) {
			t.Errorf("get %q: %v; want a refusal, not not-found", key, err)
		}
		if err := s.Delete(ctx, key); err == nil {
			t.Errorf("delete %q: no error", key)
		}
	}
	if infos := List(t, s, ""); len(infos) != 0 {
		t.Fatalf("bad keys wrote %d blobs: %+v", len(infos), infos)
	}
}

func large(t *testing.T, s ports.BlobStore) {
	data := RandomBytes(1 << 20)
	Put(t, s, "big/one", data, "image/png")
	if b := Get(t, s, "big/one"); !bytes.Equal(b.Data, data) {
		t.Fatalf("got %d bytes back, not the 1 MiB put", len(b.Data))
	}
	if infos := List(t, s, "big/"); len(infos) != 1 || infos[0].Size != 1<<20 {
		t.Fatalf("list: %+v", infos)
	}
}

func concurrentPuts(t *testing.T, s ports.BlobStore) {
	const n = 8
	values := make([][]byte, n)
	for i := range values {
		values[i] = bytes.Repeat([]byte{byte('a' + i)}, 64<<10+i)
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Put(context.Background(), "race/key", values[i], fmt.Sprintf("image/x-%d", i))
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	b := Get(t, s, "race/key")
	winner := slices.IndexFunc(values, func(v []byte) bool { return bytes.Equal(v, b.Data) })
	if winner < 0 {
		t.Fatalf("got %d bytes that no writer wrote whole", len(b.Data))
	}
	if want := fmt.Sprintf("image/x-%d", winner); b.ContentType != want {
		t.Fatalf("bytes of writer %d with type %q: a mix of two writes", winner, b.ContentType)
	}
	if infos := List(t, s, ""); len(infos) != 1 || infos[0].Size != int64(len(values[winner])) {
		t.Fatalf("list: %+v; want one blob of the winner's size", infos)
	}
}

func canceledContext(t *testing.T, s ports.BlobStore) {
	Put(t, s, "kept", []byte("x"), "text/plain")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, "not/written", []byte("x"), "text/plain"); err == nil {
		t.Error("put with a canceled context: no error")
	}
	if _, err := s.Get(ctx, "kept"); err == nil {
		t.Error("get with a canceled context: no error")
	}
	if err := s.Delete(ctx, "kept"); err == nil {
		t.Error("delete with a canceled context: no error")
	}
	if _, err := s.List(ctx, ""); err == nil {
		t.Error("list with a canceled context: no error")
	}
	AssertMissing(t, s, "not/written")
	Get(t, s, "kept")
}
