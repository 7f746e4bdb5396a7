// Package files keeps the documents of cases and tasks (issue 18): the bytes in a blob store
// behind one interface (gocloud.dev/blob: a local directory by default, S3-compatible object
// storage in production), content-addressed by SHA-256, and their metadata in the files table
// (schemas.File).
//
// A blob's key is "sha256/<hex>" for plain content and "sealed/<hex>" for 12380 material,
// which is sealed with the reporter keys (internal/secrets) before it is stored: the blob is
// the key id, a newline and the AES-GCM sealed bytes, with the hex digest as associated data.
// The digest is always that of the plaintext, so `jiandu audit verify` (Verify) checks what a
// reader receives.
package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/jiandu/jiandu/internal/secrets"
)

// Config says where the blobs are: JIANDU_BLOB_URL and the S3 credentials
// JIANDU_BLOB_ACCESS_KEY / JIANDU_BLOB_SECRET_KEY.
type Config struct {
	// URL is "" (a directory under DataDir), "file:///abs/dir", "mem://" (tests) or
	// "s3://bucket?endpoint=http://minio:9000&region=us-east-1&path_style=true".
	URL       string
	DataDir   string
	AccessKey string
	SecretKey string
}

// S3Settings is an s3:// URL read: the bucket, the endpoint of an S3-compatible service (empty
// for AWS itself), the region and whether buckets are addressed by path (MinIO).
type S3Settings struct {
	Bucket    string
	Endpoint  string
	Region    string
	PathStyle bool
}

// ParseS3URL reads "s3://bucket?endpoint=...&region=...&path_style=true". The region defaults
// to us-east-1 (MinIO ignores it); path style defaults to true when an endpoint is given.
func ParseS3URL(raw string) (S3Settings, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "s3" {
		return S3Settings{}, fmt.Errorf("JIANDU_BLOB_URL=%q: want s3://bucket?endpoint=<address>", raw)
	}
	if u.Host == "" || u.Path != "" && u.Path != "/" {
		return S3Settings{}, fmt.Errorf("JIANDU_BLOB_URL=%q: want a bucket name and no path", raw)
	}
	q := u.Query()
	for k := range q {
		if k != "endpoint" && k != "region" && k != "path_style" {
			return S3Settings{}, fmt.Errorf("JIANDU_BLOB_URL=%q: unknown parameter %q (endpoint, region, path_style)", raw, k)
		}
	}
	s := S3Settings{Bucket: u.Host, Endpoint: q.Get("endpoint"), Region: q.Get("region"), PathStyle: q.Get("endpoint") != ""}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	if s.Endpoint != "" {
		e, err := url.Parse(s.Endpoint)
		if err != nil || (e.Scheme != "http" && e.Scheme != "https") || e.Host == "" {
			return S3Settings{}, fmt.Errorf("JIANDU_BLOB_URL=%q: endpoint must be an http(s) address", raw)
		}
	}
	switch q.Get("path_style") {
	case "":
	case "true":
		s.PathStyle = true
	case "false":
		s.PathStyle = false
	default:
		return S3Settings{}, fmt.Errorf("JIANDU_BLOB_URL=%q: path_style must be true or false", raw)
	}
	return s, nil
}

// S3Client builds the S3 client for the settings with static credentials.
func S3Client(s S3Settings, accessKey, secretKey string) *s3.Client {
	cfg := aws.Config{Region: s.Region}
	if accessKey != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(accessKey, secretKey, "")
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if s.Endpoint != "" {
			o.BaseEndpoint = aws.String(s.Endpoint)
		}
		o.UsePathStyle = s.PathStyle
	})
}

// OpenBucket opens the bucket the configuration names.
func OpenBucket(ctx context.Context, cfg Config) (*blob.Bucket, error) {
	switch {
	case cfg.URL == "" || strings.HasPrefix(cfg.URL, "file://"):
		dir := filepath.Join(cfg.DataDir, "blobs")
		if cfg.URL != "" {
			dir = strings.TrimPrefix(cfg.URL, "file://")
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("blob directory %s: %w", dir, err)
		}
		return fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: true})
	case cfg.URL == "mem://":
		return memblob.OpenBucket(nil), nil
	case strings.HasPrefix(cfg.URL, "s3://"):
		s, err := ParseS3URL(cfg.URL)
		if err != nil {
			return nil, err
		}
		if (cfg.AccessKey == "") != (cfg.SecretKey == "") {
			return nil, errors.New("JIANDU_BLOB_ACCESS_KEY and JIANDU_BLOB_SECRET_KEY go together")
		}
		return s3blob.OpenBucket(ctx, S3Client(s, cfg.AccessKey, cfg.SecretKey), s.Bucket, nil)
	default:
		return nil, fmt.Errorf("JIANDU_BLOB_URL=%q: want empty (a directory under JIANDU_DATA_DIR), file:///dir or s3://bucket?endpoint=<address>", cfg.URL)
	}
}

// Store is the blob store: content-addressed blobs, 12380 material sealed.
type Store struct {
	bucket *blob.Bucket
	seal   *secrets.KeyRing
}

// NewStore wraps a bucket; seal (the reporter keys, may be nil) seals 12380 material.
func NewStore(bucket *blob.Bucket, seal *secrets.KeyRing) *Store {
	return &Store{bucket: bucket, seal: seal}
}

// Open opens the configured bucket as a Store.
func Open(ctx context.Context, cfg Config, seal *secrets.KeyRing) (*Store, error) {
	b, err := OpenBucket(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return NewStore(b, seal), nil
}

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }

// Bucket is the underlying bucket (tests tamper with it).
func (s *Store) Bucket() *blob.Bucket { return s.bucket }

// ErrNoSealKeys means sealed content was stored or read without reporter keys.
var ErrNoSealKeys = errors.New("12380 material needs JIANDU_REPORTER_KEYS")

// Blob is what Put stored.
type Blob struct {
	SHA256      string
	Size        int64
	ContentType string // detected from the content, never from the name
}

// Key is the blob key of content with this digest.
func Key(sha string, sealed bool) string {
	if sealed {
		return "sealed/" + sha
	}
	return "sha256/" + sha
}

// Detect is the content type detected from the first bytes (net/http.DetectContentType), with
// its parameters dropped.
func Detect(head []byte) string {
	t := http.DetectContentType(head)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	return t
}

// Put stores data (sealed when sealed is true) under its SHA-256 and returns its digest, size
// and detected type. Storing the same content twice writes it once.
func (s *Store) Put(ctx context.Context, data []byte, sealed bool) (Blob, error) {
	sum := sha256.Sum256(data)
	b := Blob{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)), ContentType: Detect(data)}
	key := Key(b.SHA256, sealed)
	if ok, err := s.bucket.Exists(ctx, key); err != nil {
		return Blob{}, fmt.Errorf("blob %s: %w", key, err)
	} else if ok {
		return b, nil
	}
	body := data
	if sealed {
		if s.seal == nil {
			return Blob{}, ErrNoSealKeys
		}
		kid, ct, err := s.seal.Seal(data, []byte(b.SHA256))
		if err != nil {
			return Blob{}, err
		}
		body = append([]byte(kid+"\n"), ct...)
	}
	if err := s.bucket.WriteAll(ctx, key, body, &blob.WriterOptions{ContentType: "application/octet-stream"}); err != nil {
		return Blob{}, fmt.Errorf("write blob %s: %w", key, err)
	}
	return b, nil
}

// ErrNotFound means the blob is missing.
var ErrNotFound = errors.New("blob not found")

// Get reads the content with this digest, opening it when it is sealed.
func (s *Store) Get(ctx context.Context, sha string, sealed bool) ([]byte, error) {
	key := Key(sha, sealed)
	body, err := s.bucket.ReadAll(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", key, err)
	}
	if !sealed {
		return body, nil
	}
	if s.seal == nil {
		return nil, ErrNoSealKeys
	}
	kid, ct, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return nil, fmt.Errorf("blob %s: not a sealed blob", key)
	}
	return s.seal.Open(string(kid), ct, []byte(sha))
}

// Check reads the blob and tells whether its content still has the digest: "" when it does,
// else why not. A sealed blob that no longer opens is tampered with too.
func (s *Store) Check(ctx context.Context, sha string, sealed bool) (string, error) {
	data, err := s.Get(ctx, sha, sealed)
	switch {
	case errors.Is(err, ErrNotFound):
		return "blob missing", nil
	case errors.Is(err, ErrNoSealKeys):
		return "", err
	case err != nil && sealed && !isStoreError(err):
		return "sealed blob does not open: " + err.Error(), nil
	case err != nil:
		return "", err
	}
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != sha {
		return "content has SHA-256 " + got, nil
	}
	return "", nil
}

func isStoreError(err error) bool { return strings.HasPrefix(err.Error(), "read blob ") }

// NewID is a new file id.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "file-" + hex.EncodeToString(b[:])
}

// ReadLimited reads r up to max bytes; over it, it reports tooLarge.
func ReadLimited(r io.Reader, max int64) (data []byte, tooLarge bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > max {
		return nil, true, nil
	}
	return data, false, nil
}
