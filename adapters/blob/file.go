package blob

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// File keeps each blob in one file under a directory, <dir>/<key>~blob: a header line with
// the media type (a quoted Go string), then the bytes. Type and bytes live in one file, so
// racing Puts leave one writer's type with that writer's bytes; writes go to a temporary file
// renamed into place, so a reader never sees half a blob. The "~" of the suffix is outside
// the key alphabet, so the file of key "a" and the directory of key "a/b" never collide, and
// no key names a temporary file. Replicas share blobs only when they share the directory.
type File struct{ dir string }

var _ ports.BlobStore = (*File)(nil)

const (
	blobSuffix = "~blob"
	tmpPattern = "~tmp-*"
)

// NewFile returns a store under dir, creating it (mode 0700) when missing. Errors: an empty
// dir, or one that cannot be created.
func NewFile(dir string) (*File, error) {
	if dir == "" {
		return nil, errors.New("blob: an empty directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	// List walks the directory itself, which a symbolic link to it is not.
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &File{dir: real}, nil
}

// path is the file of key, which checkKey keeps under f.dir.
func (f *File) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	return filepath.Join(f.dir, filepath.FromSlash(key)+blobSuffix), nil
}

// Put implements ports.BlobStore.
func (f *File) Put(ctx context.Context, key string, data []byte, contentType string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	return writeAtomic(p, []byte(strconv.Quote(mediaType(contentType))+"\n"), data)
}

// writeAtomic writes header and data to a temporary file beside path, flushed to disk, and
// renames it over path.
func writeAtomic(path string, header, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tmpPattern)
	if err != nil {
		return fmt.Errorf("blob: %w", err)
	}
	_, err = tmp.Write(header)
	if err == nil {
		_, err = tmp.Write(data)
	}
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
	syncDir(dir)
	return nil
}

// syncDir flushes a directory's entries, so a renamed blob survives a crash once Put has
// returned (and the row naming it commits). Best effort: some systems cannot sync a directory.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}

// Get implements ports.BlobStore.
func (f *File) Get(ctx context.Context, key string) (ports.Blob, error) {
	p, err := f.path(key)
	if err != nil {
		return ports.Blob{}, err
	}
	if err := ctx.Err(); err != nil {
		return ports.Blob{}, err
	}
	file, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return ports.Blob{}, domain.ErrBlobNotFound
	}
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: %w", err)
	}
	defer file.Close() //nolint:errcheck // read only
	st, err := file.Stat()
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: %w", err)
	}
	r := bufio.NewReader(file)
	contentType, _, err := readHeader(r)
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: key %q: %w", key, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return ports.Blob{}, fmt.Errorf("blob: %w", err)
	}
	return ports.Blob{Data: data, ContentType: contentType, ModTime: st.ModTime()}, nil
}

// readHeader reads a blob file's media type line and returns the type and the line's length.
func readHeader(r *bufio.Reader) (string, int64, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", 0, fmt.Errorf("corrupt blob file: %w", err)
	}
	contentType, err := strconv.Unquote(strings.TrimSuffix(line, "\n"))
	if err != nil {
		return "", 0, fmt.Errorf("corrupt blob file: media type: %w", err)
	}
	return contentType, int64(len(line)), nil
}

// Delete implements ports.BlobStore. Directories emptied stay: a Put racing a removal of its
// directory would fail, and they cost nothing.
func (f *File) Delete(ctx context.Context, key string) error {
	p, err := f.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// List implements ports.BlobStore. It walks only the directories a key with prefix can be in.
func (f *File) List(ctx context.Context, prefix string) ([]ports.BlobInfo, error) {
	if !prefixCanMatch(prefix) {
		return []ports.BlobInfo{}, nil
	}
	out := []ports.BlobInfo{}
	err := filepath.WalkDir(f.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(f.dir, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			if rel == "." || strings.HasPrefix(prefix, name+"/") || strings.HasPrefix(name+"/", prefix) {
				return nil
			}
			return fs.SkipDir
		}
		key, ok := strings.CutSuffix(name, blobSuffix)
		if !ok || !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) || checkKey(key) != nil {
			return nil // a temporary file, or nothing of ours
		}
		info, err := fileInfo(p, key)
		if errors.Is(err, fs.ErrNotExist) {
			return nil // deleted while listing
		}
		if err != nil {
			return err
		}
		out = append(out, info)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	slices.SortFunc(out, func(a, b ports.BlobInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// fileInfo describes the blob in file p: its size is the file's less the header line.
func fileInfo(p, key string) (ports.BlobInfo, error) {
	file, err := os.Open(p)
	if err != nil {
		return ports.BlobInfo{}, err
	}
	defer file.Close() //nolint:errcheck // read only
	st, err := file.Stat()
	if err != nil {
		return ports.BlobInfo{}, err
	}
	if _, n, err := readHeader(bufio.NewReaderSize(file, 256)); err == nil {
		return ports.BlobInfo{Key: key, Size: st.Size() - n, ModTime: st.ModTime()}, nil
	}
	// A corrupt file (a crash mid-write of an older version, a hand edit) is still listed,
	// whole: Get refuses it, and the orphan collector can delete it, which an error here
	// would stop for every other blob too.
	return ports.BlobInfo{Key: key, Size: st.Size(), ModTime: st.ModTime()}, nil
}
