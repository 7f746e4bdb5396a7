// Package codec encrypts Temporal payloads with AES-256-GCM, so that nothing a workflow carries
// is stored in Temporal in plain text. The API serves the same codec over HTTP (/codec/encode,
// /codec/decode) for the Temporal UI and CLI of authorized officials.
package codec

import (
	"fmt"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

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
func DataConverter(ring *secrets.KeyRing) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), New(ring))
}
