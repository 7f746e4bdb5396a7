// Package codec encrypts Temporal payloads with AES-256-GCM, so that nothing a workflow carries
// is stored in Temporal in plain text. The API serves the same codec over HTTP (/codec/encode,
// /codec/decode) for the Temporal UI and CLI of authorized officials.
package codec

import (
	"context"
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"github.com/jiandu/jiandu/internal/secrets"
)

const (
	// Encoding marks an encrypted payload; its data is the sealed, serialized original payload.
	Encoding = "binary/encrypted"
	metaKey  = "encryption-key-id"
	// aad binds ciphertexts to this use, so a sealed reporter identity cannot pose as a payload.
	aad = "jiandu/temporal-payload/v1"
)

// Codec is a converter.PayloadCodec over a key ring.
type Codec struct{ ring *secrets.KeyRing }

// New returns the codec for ring.
func New(ring *secrets.KeyRing) *Codec { return &Codec{ring: ring} }

// Encode seals each payload under the ring's current key.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		raw, err := p.Marshal()
		if err != nil {
			return nil, fmt.Errorf("codec: marshal payload: %w", err)
		}
		kid, sealed, err := c.ring.Seal(raw, []byte(aad))
		if err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(Encoding), metaKey: []byte(kid)},
			Data:     sealed,
		}
	}
	return out, nil
}

// Decode opens encrypted payloads and passes others through unchanged: histories written
// before the codec was turned on still replay and read.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		raw, err := c.ring.Open(string(p.GetMetadata()[metaKey]), p.GetData(), []byte(aad))
		if err != nil {
			return nil, fmt.Errorf("codec: %w", err)
		}
		var orig commonpb.Payload
		if err := orig.Unmarshal(raw); err != nil {
			return nil, fmt.Errorf("codec: unmarshal payload: %w", err)
		}
		out[i] = &orig
	}
	return out, nil
}

// DataConverter is Temporal's default data converter with every payload encrypted by ring.
//
// Inside workflow code (the SDK asks through converter.ContextAware), a payload the worker
// cannot open (a wrong key, or a key not yet rolled out to this worker) must fail the workflow
// task, which Temporal retries and the UI shows, and never the workflow: the case waits for a
// worker that holds the key instead of ending. A panic does that: the worker's default panic
// policy blocks the workflow task. Outside workflow code (the API, activities) the error is
// returned.
func DataConverter(ring *secrets.KeyRing) converter.DataConverter {
	c := New(ring)
	return &dataConverter{
		DataConverter: converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c),
		inWorkflow:    converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), workflowCodec{c}),
	}
}

type dataConverter struct {
	converter.DataConverter
	inWorkflow converter.DataConverter
}

func (d *dataConverter) WithWorkflowContext(workflow.Context) converter.DataConverter {
	return d.inWorkflow
}

func (d *dataConverter) WithContext(context.Context) converter.DataConverter { return d }

// workflowCodec panics where Codec would return a decryption error.
type workflowCodec struct{ *Codec }

func (w workflowCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out, err := w.Codec.Decode(payloads)
	if err != nil {
		panic(fmt.Errorf("%w: the workflow task fails and is retried until a worker holds the key", err))
	}
	return out, nil
}
