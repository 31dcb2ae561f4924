package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/orgkit/orgkit/domain"
	"github.com/orgkit/orgkit/ports"
)

// S3Config names a bucket of S3 or of an S3-compatible server (MinIO, Ceph, R2, …).
type S3Config struct {
	Bucket string
	// Prefix is prepended to every key, a "/" between them ("" for none).
	Prefix string
	// Endpoint is the server's host[:port]; empty means Amazon S3. With an endpoint, buckets
	// are addressed by path (http://host/bucket/key), which every compatible server accepts.
	Endpoint string
	// Region signs requests; empty means us-east-1 with an endpoint, the bucket's own region
	// (asked of S3) without.
	Region string
	// Insecure talks plain HTTP (a server on loopback or a private network).
	Insecure bool
	// AccessKeyID and SecretAccessKey, when both set, sign every request. Empty: the standard
	// chain, in order AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (+AWS_SESSION_TOKEN),
	// MINIO_ACCESS_KEY/MINIO_SECRET_KEY, the shared credentials file (AWS_PROFILE), then an
	// EC2, ECS or EKS role; with none of them requests are anonymous.
	AccessKeyID, SecretAccessKey string
}

// S3 keeps blobs as objects of one bucket, through minio-go. Objects are written whole by
// one request each, so racing Puts leave one writer's object.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
}

var _ ports.BlobStore = (*S3)(nil)

// NewS3 returns a store on cfg's bucket. It makes no request: a missing bucket or wrong
// credentials show on the first call. Errors: an invalid bucket name or endpoint.
func NewS3(cfg S3Config) (*S3, error) {
	if err := checkBucket(cfg.Bucket); err != nil {
		return nil, err
	}
	opts := &minio.Options{Creds: s3Credentials(cfg), Secure: !cfg.Insecure, Region: cfg.Region}
	endpoint := "s3.amazonaws.com"
	if cfg.Endpoint != "" {
		endpoint = cfg.Endpoint
		opts.BucketLookup = minio.BucketLookupPath
		if opts.Region == "" {
			opts.Region = "us-east-1"
		}
	}
	client, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("blob: s3 endpoint %q: %w", endpoint, err)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &S3{client: client, bucket: cfg.Bucket, prefix: prefix}, nil
}

func s3Credentials(cfg S3Config) *credentials.Credentials {
	if cfg.AccessKeyID != "" && cfg.SecretAccessKey != "" {
		return credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, "")
	}
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
}

// Put implements ports.BlobStore.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	// Over plain HTTP minio-go signs the payload chunk by chunk, and for an empty one sends a
	// chunked body without Content-Length, which S3 refuses (411): an empty blob goes unsigned.
	opts := minio.PutObjectOptions{ContentType: mediaType(contentType), DisableContentSha256: len(data) == 0}
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		return fmt.Errorf("blob: put %q: %w", key, err)
	}
	return nil
}

// Get implements ports.BlobStore.
func (s *S3) Get(ctx context.Context, key string) (ports.Blob, error) {
	if err := checkKey(key); err != nil {
		return ports.Blob{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return ports.Blob{}, s.getError(key, err)
	}
	defer obj.Close() //nolint:errcheck // read only
	info, err := obj.Stat()
	if err != nil {
		return ports.Blob{}, s.getError(key, err)
	}
	data, err := io.ReadAll(obj)
	if err != nil {
		return ports.Blob{}, s.getError(key, err)
	}
	return ports.Blob{Data: data, ContentType: info.ContentType, ModTime: info.LastModified.UTC()}, nil
}

func (s *S3) getError(key string, err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return domain.ErrBlobNotFound
	}
	return fmt.Errorf("blob: get %q: %w", key, err)
}

// Delete implements ports.BlobStore (S3 answers a missing key with success too).
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("blob: delete %q: %w", key, err)
	}
	return nil
}

// List implements ports.BlobStore. Objects under the store's prefix whose names are not keys
// (written by something else) are left out, so a collector never meets a key it cannot delete.
func (s *S3) List(ctx context.Context, prefix string) ([]ports.BlobInfo, error) {
	out := []ports.BlobInfo{}
	if !prefixCanMatch(prefix) {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx) // stops the lister if we return early
	defer cancel()
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if obj.Err != nil {
			return nil, fmt.Errorf("blob: list %q: %w", prefix, obj.Err)
		}
		key, ok := strings.CutPrefix(obj.Key, s.prefix)
		if !ok || checkKey(key) != nil {
			continue
		}
		out = append(out, ports.BlobInfo{Key: key, Size: obj.Size, ModTime: obj.LastModified.UTC()})
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: list %q: %w", prefix, err)
	}
	slices.SortFunc(out, func(a, b ports.BlobInfo) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// checkBucket refuses a name S3 would: 3-63 of [a-z0-9.-], no IP address, no "..".
func checkBucket(bucket string) error {
	if bucket == "" {
		return errors.New("blob: s3: no bucket: want s3://bucket/prefix")
	}
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return fmt.Errorf("blob: s3: bucket %q: %w", bucket, err)
	}
	return nil
}
