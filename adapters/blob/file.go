package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// File keeps blobs as files under a directory: <dir>/<key> holds the bytes and
// <dir>/<key>.type their media type. Writes go to a temporary file renamed into place, so a
// reader never sees half a blob. Replicas share blobs only when they share the directory.
type File struct{ dir string }

var _ ports.BlobStore = (*File)(nil)

// typeSuffix marks the file holding a blob's media type; keys never end with it (checkKey
// allows it, so Put refuses it explicitly).
const typeSuffix = ".type"

// NewFile returns a store under dir, creating it (mode 0700) when missing.
func NewFile(dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("blob: an empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &File{dir: dir}, nil
}

func (f *File) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if strings.HasSuffix(key, typeSuffix) {
		return "", fmt.Errorf("blob: key %q: the %s suffix is reserved", key, typeSuffix)
	}
	return filepath.Join(f.dir, filepath.FromSlash(key)), nil
}

// Put implements ports.BlobStore.
func (f *File) Put(_ context.Context, key string, data []byte, contentType string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	// The type first: a blob is visible once its bytes are, and then has its type.
	if err := writeAtomic(p+typeSuffix, []byte(contentType)); err != nil {
		return err
	}
	return writeAtomic(p, data)
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name()) // best effort: the write already failed
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Get implements ports.BlobStore.
func (f *File) Get(_ context.Context, key string) (ports.Blob, error) {
	p, err := f.path(key)
	if err != nil {
		return ports.Blob{}, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return ports.Blob{}, domain.ErrBlobNotFound
	}
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: %w", err)
	}
	ct, err := os.ReadFile(p + typeSuffix)
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: %w", err)
	}
	st, err := os.Stat(p)
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: %w", err)
	}
	return ports.Blob{Data: data, ContentType: string(ct), ModTime: st.ModTime()}, nil
}

// Delete implements ports.BlobStore.
func (f *File) Delete(_ context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	for _, name := range []string{p, p + typeSuffix} {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: %w", err)
		}
	}
	return nil
}

// List implements ports.BlobStore.
func (f *File) List(_ context.Context, prefix string) ([]ports.BlobInfo, error) {
	var out []ports.BlobInfo
	err := filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() || strings.HasPrefix(name, ".tmp-") || strings.HasSuffix(name, typeSuffix) {
			return nil
		}
		rel, err := filepath.Rel(f.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !strings.HasPrefix(key, prefix) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, ports.BlobInfo{Key: key, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	slices.SortFunc(out, func(a, b ports.BlobInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
