package files_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"gocloud.dev/blob/memblob"

	"github.com/jiandu/jiandu/internal/files"
	"github.com/jiandu/jiandu/internal/secrets"
)

var pdf = []byte("%PDF-1.4\n举报材料")

// roundTrip stores plain and sealed content and reads it back, then finds a swapped blob.
func roundTrip(t *testing.T, store *files.Store) {
	t.Helper()
	ctx := context.Background()
	for _, sealed := range []bool{false, true} {
		b, err := store.Put(ctx, pdf, sealed)
		if err != nil {
			t.Fatalf("put (sealed %v): %v", sealed, err)
		}
		if b.ContentType != "application/pdf" || b.Size != int64(len(pdf)) || len(b.SHA256) != 64 {
			t.Fatalf("put: %+v", b)
		}
		if again, err := store.Put(ctx, pdf, sealed); err != nil || again != b {
			t.Fatalf("second put: %+v %v", again, err)
		}
		got, err := store.Get(ctx, b.SHA256, sealed)
		if err != nil || string(got) != string(pdf) {
			t.Fatalf("get (sealed %v): %q %v", sealed, got, err)
		}
		raw, err := store.Bucket().ReadAll(ctx, files.Key(b.SHA256, sealed))
		if err != nil {
			t.Fatal(err)
		}
		if sealed == strings.Contains(string(raw), "举报材料") {
			t.Fatalf("sealed %v, blob %q", sealed, raw)
		}
		if why, err := store.Check(ctx, b.SHA256, sealed); why != "" || err != nil {
			t.Fatalf("intact blob: %q %v", why, err)
		}
		tampered := append([]byte{}, raw...)
		tampered[len(tampered)-1] ^= 1
		if err := store.Bucket().WriteAll(ctx, files.Key(b.SHA256, sealed), tampered, nil); err != nil {
			t.Fatal(err)
		}
		if why, err := store.Check(ctx, b.SHA256, sealed); why == "" || err != nil {
			t.Fatalf("tampered blob (sealed %v) passes: %v", sealed, err)
		}
	}
	if why, err := store.Check(ctx, strings.Repeat("0", 64), false); why != "blob missing" || err != nil {
		t.Fatalf("missing blob: %q %v", why, err)
	}
}

func ring(t *testing.T) *secrets.KeyRing {
	t.Helper()
	spec, err := secrets.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := secrets.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestMemoryStore(t *testing.T) {
	roundTrip(t, files.NewStore(memblob.OpenBucket(nil), ring(t)))
}

func TestLocalStore(t *testing.T) {
	store, err := files.Open(context.Background(), files.Config{DataDir: t.TempDir()}, ring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	roundTrip(t, store)
}

// TestS3Store runs the S3 path (files.Open with an s3:// URL and static credentials) against
// gofakes3, an S3-compatible server started by the test.
func TestS3Store(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("jiandu-files"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	defer srv.Close()
	store, err := files.Open(context.Background(), files.Config{
		URL:       "s3://jiandu-files?endpoint=" + srv.URL + "&region=cn-north-1",
		AccessKey: "minio", SecretKey: "minio-secret",
	}, ring(t))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	roundTrip(t, store)
	if _, err := store.Put(context.Background(), pdf, true); err != nil {
		t.Fatal(err)
	}
	if _, err := files.NewStore(memblob.OpenBucket(nil), nil).Put(context.Background(), pdf, true); err != files.ErrNoSealKeys {
		t.Fatalf("sealing without keys: %v", err)
	}
}

func TestParseS3URL(t *testing.T) {
	s, err := files.ParseS3URL("s3://docs?endpoint=http://minio:9000")
	if err != nil || s != (files.S3Settings{Bucket: "docs", Endpoint: "http://minio:9000", Region: "us-east-1", PathStyle: true}) {
		t.Fatalf("minio: %+v %v", s, err)
	}
	s, err = files.ParseS3URL("s3://docs?region=cn-north-1")
	if err != nil || s != (files.S3Settings{Bucket: "docs", Region: "cn-north-1"}) {
		t.Fatalf("aws: %+v %v", s, err)
	}
	s, err = files.ParseS3URL("s3://docs?endpoint=https://oss.example.cn&path_style=false")
	if err != nil || s.PathStyle {
		t.Fatalf("virtual host style: %+v %v", s, err)
	}
	for _, bad := range []string{"s3:///x", "s3://docs/sub", "s3://docs?endpoint=minio:9000", "s3://docs?bucket=x", "s3://docs?path_style=yes", "gs://docs"} {
		if _, err := files.ParseS3URL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if _, err := files.Open(context.Background(), files.Config{URL: "s3://docs", AccessKey: "a"}, nil); err == nil {
		t.Error("an access key without a secret accepted")
	}
	if _, err := files.Open(context.Background(), files.Config{URL: "ftp://x"}, nil); err == nil {
		t.Error("ftp:// accepted")
	}
}
