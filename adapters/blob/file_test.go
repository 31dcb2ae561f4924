package blob_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/blob"
	"github.com/orgkit/orgkit/adapters/blob/blobtest"
)

// TestFile_WritesNothingOutsideItsDirectory: with the store in a subdirectory, puts of every
// refused key (../escape, /abs, …) and of valid keys leave the parent holding only the store.
func TestFile_WritesNothingOutsideItsDirectory(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "store")
	s, err := blob.NewFile(root)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, key := range blobtest.BadKeys {
		if err := s.Put(ctx, key, []byte("x"), "text/plain"); err == nil {
			t.Errorf("put %q: no error", key)
		}
	}
	blobtest.Put(t, s, "logos/1/a.png", []byte("x"), "image/png")
	var outside []string
	err = filepath.WalkDir(parent, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != parent && p != root && !strings.HasPrefix(p, root+string(filepath.Separator)) {
			outside = append(outside, p)
		}
		return nil
	})
	if err != nil || len(outside) != 0 {
		t.Fatalf("written outside the store: %q %v", outside, err)
	}
	if _, err := os.Stat("/etc/passwd~blob"); err == nil {
		t.Fatal("a put escaped to /etc")
	}
}

// TestFile_ListSkipsFilesNotItsOwn: a temporary file left by a crash, and files of others in
// the directory, are not blobs.
func TestFile_ListSkipsFilesNotItsOwn(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Put(t, s, "a/b", []byte("xyz"), "text/plain")
	for _, name := range []string{"a/~tmp-123456", "README", "a/Upper~blob", "a/c"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	infos := blobtest.List(t, s, "")
	if len(infos) != 1 || infos[0].Key != "a/b" || infos[0].Size != 3 {
		t.Fatalf("list: %+v; want only a/b of 3 bytes", infos)
	}
}

// TestFile_CorruptFileIsAnError: a blob file without its header line is an error to Get, not
// served as a blob with a made-up type; List names it so that it can be deleted.
func TestFile_CorruptFileIsAnError(t *testing.T) {
	dir := t.TempDir()
	s, err := blob.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad~blob"), []byte("no header"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(context.Background(), "bad"); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("get of a corrupt file: %v", err)
	}
	// Listed, so that the orphan collector can delete it rather than stop at it.
	if infos := blobtest.List(t, s, ""); len(infos) != 1 || infos[0].Key != "bad" {
		t.Fatalf("list of a corrupt file: %+v, want it listed", infos)
	}
	if err := s.Delete(context.Background(), "bad"); err != nil {
		t.Fatal(err)
	}
	if infos := blobtest.List(t, s, ""); len(infos) != 0 {
		t.Fatalf("after delete: %+v", infos)
	}
}

// TestFile_SymlinkedDirectory: ORGKIT_DATA_DIR may be a symbolic link to the real directory.
func TestFile_SymlinkedDirectory(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	s, err := blob.NewFile(link)
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Put(t, s, "a", []byte("x"), "text/plain")
	if infos := blobtest.List(t, s, ""); len(infos) != 1 {
		t.Fatalf("list through a symlink: %+v", infos)
	}
}

func TestNewFile_EmptyDirectory(t *testing.T) {
	if _, err := blob.NewFile(""); err == nil {
		t.Fatal("no error")
	}
}
