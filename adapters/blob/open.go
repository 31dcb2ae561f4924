package blob

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"gorm.io/gorm"

	"github.com/orgkit/orgkit/ports"
)

// Open returns the blob store rawURL names (ORGKIT_BLOB_URL): "file:<dir>" keeps blobs
// under a directory; "db:" in db (orgkit's migrated database); "s3://bucket/prefix?endpoint=…"
// in S3-compatible storage (query: endpoint=host:port, region=…, insecure=true for plain
// HTTP; credentials from the environment, see S3Config). An s3 store is probed with a
// one-object listing of its prefix, bounded by ctx, so a wrong bucket, endpoint or
// credentials fail here rather than at the first upload. Errors name what is wrong with
// rawURL and never repeat credentials.
func Open(ctx context.Context, rawURL string, db *gorm.DB) (ports.BlobStore, error) {
	scheme, rest, _ := strings.Cut(rawURL, ":")
	switch scheme {
	case "file":
		return openFile(rest)
	case "db":
		if rest != "" {
			return nil, fmt.Errorf("blob: db: takes nothing after the colon, got %q", rest)
		}
		if db == nil {
			return nil, errors.New("blob: db: needs orgkit's database, and none was given")
		}
		return NewDB(db), nil
	case "s3":
		cfg, err := parseS3URL(rawURL)
		if err != nil {
			return nil, err
		}
		s, err := NewS3(cfg)
		if err != nil {
			return nil, err
		}
		if err := s.probe(ctx); err != nil {
			return nil, err
		}
		return s, nil
	default:
		return nil, fmt.Errorf("blob: unknown store %q: want file:<dir>, db: or s3://bucket/prefix?endpoint=host:port", schemeOf(rawURL))
	}
}

// openFile accepts "file:<dir>" and "file://[localhost]/<absolute dir>".
func openFile(rest string) (ports.BlobStore, error) {
	if strings.HasPrefix(rest, "//") {
		u, err := url.Parse("file:" + rest)
		if err != nil || (u.Host != "" && u.Host != "localhost") || u.RawQuery != "" {
			return nil, errors.New("blob: file: URL: want file:<dir> or file:///<absolute dir>")
		}
		rest = u.Path
	}
	if rest == "" {
		return nil, errors.New("blob: file: needs a directory, e.g. file:/var/lib/orgkit/blobs")
	}
	return NewFile(rest)
}

// schemeOf is what precedes the first colon, for an error that must not repeat the whole
// URL (it may hold a password).
func schemeOf(rawURL string) string {
	scheme, _, ok := strings.Cut(rawURL, ":")
	if !ok || strings.ContainsAny(scheme, "/@") {
		return "(no scheme)"
	}
	return scheme + ":"
}

// parseS3URL reads s3://bucket/prefix?endpoint=host:port&region=…&insecure=true.
func parseS3URL(rawURL string) (S3Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // url.Error repeats the URL
		}
		return S3Config{}, fmt.Errorf("blob: s3 URL: %w", err)
	}
	if u.User != nil {
		return S3Config{}, errors.New("blob: s3 URL: credentials do not go in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if u.Fragment != "" || u.Opaque != "" {
		return S3Config{}, errors.New("blob: s3 URL: want s3://bucket/prefix?endpoint=host:port")
	}
	if err := checkBucket(u.Host); err != nil {
		return S3Config{}, err
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix != "" {
		if err := checkPrefix(prefix); err != nil {
			return S3Config{}, err
		}
	}
	cfg := S3Config{Bucket: u.Host, Prefix: prefix}
	return cfg, s3Query(&cfg, u.Query())
}

// checkPrefix refuses empty, "." and ".." segments in a store's prefix.
func checkPrefix(prefix string) error {
	for seg := range strings.SplitSeq(prefix, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob: s3 URL: prefix %q: empty, . or .. segment", prefix)
		}
	}
	return nil
}

// s3Query reads the s3 URL's parameters into cfg; unknown ones are errors, so a typo does not
// silently send blobs to Amazon.
func s3Query(cfg *S3Config, q url.Values) error {
	for name, values := range q {
		if len(values) != 1 {
			return fmt.Errorf("blob: s3 URL: %s given %d times", name, len(values))
		}
		v := values[0]
		switch name {
		case "endpoint":
			if err := checkEndpoint(v); err != nil {
				return err
			}
			cfg.Endpoint = v
		case "region":
			if v == "" || strings.ContainsFunc(v, func(r rune) bool { return !keyRune(r) }) {
				return fmt.Errorf("blob: s3 URL: region %q: want e.g. us-east-1", v)
			}
			cfg.Region = v
		case "insecure":
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("blob: s3 URL: insecure=%q: want true or false", v)
			}
			cfg.Insecure = b
		default:
			return fmt.Errorf("blob: s3 URL: unknown parameter %q: want endpoint, region or insecure", name)
		}
	}
	return nil
}

// checkEndpoint accepts host or host:port, with no scheme, path or credentials.
func checkEndpoint(endpoint string) error {
	bad := fmt.Errorf("blob: s3 URL: endpoint %q: want host:port, without scheme or path", endpoint)
	if endpoint == "" || strings.ContainsAny(endpoint, "/@?#") {
		return bad
	}
	u, err := url.Parse("//" + endpoint)
	if err != nil || u.Host != endpoint || u.Hostname() == "" {
		return bad
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return bad
		}
	} else if strings.HasSuffix(endpoint, ":") {
		return bad
	}
	return nil
}

// probe lists at most one object under the store's prefix: the permission List needs
// anyway, where a HEAD of the bucket would need more than a prefix-scoped policy grants.
func (s *S3) probe(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first answer is enough; cancel stops the lister's goroutine.
	obj, ok := <-s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix, MaxKeys: 1})
	if ok && obj.Err != nil {
		return fmt.Errorf("blob: s3 bucket %q: %w", s.bucket, obj.Err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: s3 bucket %q: %w", s.bucket, err)
	}
	return nil
}
