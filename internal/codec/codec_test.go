package codec

import (
	"bytes"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"github.com/jiandu/jiandu/internal/secrets"
)

func TestRoundTripAndPassThrough(t *testing.T) {
	spec, _ := secrets.NewKey("p1")
	ring, err := secrets.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	dc := DataConverter(ring)
	p, err := dc.ToPayload(map[string]string{"summary": "举报内容"})
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Metadata[converter.MetadataEncoding]) != Encoding || bytes.Contains(p.Data, []byte("summary")) {
		t.Fatalf("payload not encrypted: %v", p)
	}
	var got map[string]string
	if err := dc.FromPayload(p, &got); err != nil || got["summary"] != "举报内容" {
		t.Fatalf("%v %v", got, err)
	}
	plain, _ := converter.GetDefaultDataConverter().ToPayload("old")
	out, err := New(ring).Decode([]*commonpb.Payload{plain})
	if err != nil || out[0] != plain {
		t.Fatalf("plain payload not passed through: %v", err)
	}
	other, _ := secrets.NewKey("p1")
	ring2, _ := secrets.Parse(other)
	if _, err := New(ring2).Decode([]*commonpb.Payload{p}); err == nil {
		t.Fatal("decoded with the wrong key")
	}
}
