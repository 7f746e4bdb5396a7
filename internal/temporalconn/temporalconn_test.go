package temporalconn

import (
	"testing"

	"go.temporal.io/sdk/client"
)

func TestConnectionCompression(t *testing.T) {
	for in, wantGzip := range map[string]bool{"": true, "gzip": true, "none": false} {
		got, err := Connection(in)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		_, gzip := got.GrpcCompression.(*client.GrpcCompressionGzip)
		_, none := got.GrpcCompression.(*client.GrpcCompressionNone)
		if gzip != wantGzip || none == wantGzip {
			t.Errorf("%q: compression %T", in, got.GrpcCompression)
		}
	}
	if _, err := Connection("zstd"); err == nil {
		t.Error("zstd accepted")
	}
}
