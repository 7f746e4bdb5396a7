// Package secrets seals small confidential values (a reporter's identity and contact) with
// AES-256-GCM under a key ring read from configuration. Every sealed value records the id of the
// key that sealed it, so keys can be rotated: new values use the first key, old ones still open
// with the key they name.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeyRing holds AES-256 keys by id; the first is current.
type KeyRing struct {
	current string
	aeads   map[string]cipher.AEAD
}

var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// ErrNoKey is returned when a value names a key the ring does not hold.
var ErrNoKey = errors.New("secrets: no such key")

// Key is one entry of a key ring spec: its id and its 32 bytes.
type Key struct {
	ID    string
	Bytes []byte
}

// ParseKeys reads a key ring spec "kid1:base64key,kid0:base64key" (standard or URL base64 of
// 32 random bytes) into its keys in order: the first is current. Other key rings (the audit
// chain's HMAC keys) read their specs with it. Error messages never contain key material.
func ParseKeys(spec string) ([]Key, error) {
	var keys []Key
	seen := map[string]bool{}
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, b64, ok := strings.Cut(part, ":")
		if !ok || !keyID.MatchString(id) {
			return nil, fmt.Errorf("key %d: want <id>:<base64 key> with an id of letters, digits, '.', '_' or '-'", i+1)
		}
		if seen[id] {
			return nil, fmt.Errorf("key %q appears twice", id)
		}
		seen[id] = true
		key, err := decodeKey(b64)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("key %q: want base64 of 32 bytes", id)
		}
		keys = append(keys, Key{ID: id, Bytes: key})
	}
	if len(keys) == 0 {
		return nil, errors.New("no keys")
	}
	return keys, nil
}

// Parse reads a key ring written as "kid1:base64key,kid0:base64key" (see ParseKeys). The first
// key seals; all open.
func Parse(spec string) (*KeyRing, error) {
	keys, err := ParseKeys(spec)
	if err != nil {
		return nil, err
	}
	r := &KeyRing{current: keys[0].ID, aeads: map[string]cipher.AEAD{}}
	for _, k := range keys {
		block, err := aes.NewCipher(k.Bytes)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k.ID, err)
		}
		r.aeads[k.ID] = aead
	}
	return r, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// NewKey returns a fresh random key written as "<id>:<base64>", for `jiandu dev` and tests.
func NewKey(id string) (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return id + ":" + base64.StdEncoding.EncodeToString(b[:]), nil
}

// CurrentID is the id of the key that seals.
func (r *KeyRing) CurrentID() string { return r.current }

// Seal encrypts plaintext under the current key. aad binds the ciphertext to its context (the
// report id, say), so a sealed value copied to another row does not open there. The result is
// nonce||ciphertext.
func (r *KeyRing) Seal(plaintext, aad []byte) (kid string, sealed []byte, err error) {
	aead := r.aeads[r.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, err
	}
	return r.current, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts what Seal returned under key kid.
func (r *KeyRing) Open(kid string, sealed, aad []byte) ([]byte, error) {
	aead, ok := r.aeads[kid]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrNoKey, kid)
	}
	if len(sealed) < aead.NonceSize() {
		return nil, errors.New("secrets: sealed value too short")
	}
	n := aead.NonceSize()
	out, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, errors.New("secrets: cannot open sealed value (wrong key or tampered)")
	}
	return out, nil
}
