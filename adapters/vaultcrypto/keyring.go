// Package vaultcrypto seals API keys with AES-256-GCM under a key ring: the first key seals,
// every key opens, so keys rotate without downtime.
package vaultcrypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/orgkit/orgkit/ports"
)

// format is the first byte of every ciphertext: version 1 is
// [1][len(keyID)][keyID][12-byte nonce][ciphertext and 16-byte tag].
const format byte = 1

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// KeyRing implements ports.Sealer.
type KeyRing struct {
	active string
	aeads  map[string]cipher.AEAD
}

var _ ports.Sealer = (*KeyRing)(nil)

// ErrOpen is returned for any ciphertext that does not open: tampered, bound to other data,
// malformed, or sealed with a key no longer in the ring.
var ErrOpen = errors.New("vault: ciphertext does not open")

// Parse reads ORGKIT_VAULT_KEYS: `id:base64(32 bytes)[,id:base64…]`. Error messages never
// contain key material.
func Parse(spec string) (*KeyRing, error) {
	r := &KeyRing{aeads: map[string]cipher.AEAD{}}
	for i, part := range strings.Split(spec, ",") {
		id, b64, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok || !keyIDPattern.MatchString(id) {
			return nil, fmt.Errorf("vault key %d: want id:base64 with an id of 1-32 letters, digits, '_', '.' or '-'", i+1)
		}
		if _, dup := r.aeads[id]; dup {
			return nil, fmt.Errorf("vault key %q appears twice", id)
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("vault key %q: %w", id, err)
		}
		block, _ := aes.NewCipher(key) // 32 bytes: cannot fail
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		r.aeads[id] = aead
		if i == 0 {
			r.active = id
		}
	}
	return r, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("key must be 32 bytes, got %d", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("key is not valid base64")
}

// ActiveKeyID names the sealing key.
func (r *KeyRing) ActiveKeyID() string { return r.active }

// Seal encrypts plaintext bound to aad with the active key and a random 96-bit nonce.
func (r *KeyRing) Seal(plaintext, aad []byte) ([]byte, error) {
	aead := r.aeads[r.active]
	out := make([]byte, 0, 2+len(r.active)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, format, byte(len(r.active)))
	out = append(out, r.active...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	header := out
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, boundData(header, aad)), nil
}

// Open decrypts sealed; any change, other aad or unknown key id is ErrOpen.
func (r *KeyRing) Open(sealed, aad []byte) ([]byte, error) {
	id, rest, err := split(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := r.aeads[id]
	if !ok || len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	n := aead.NonceSize()
	header := sealed[:len(sealed)-len(rest)]
	plain, err := aead.Open(nil, rest[:n], rest[n:], boundData(header, aad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// KeyID names the key that sealed a ciphertext.
func (r *KeyRing) KeyID(sealed []byte) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

// boundData authenticates the header (format and key id) along with the caller's aad.
func boundData(header, aad []byte) []byte {
	return append(append(make([]byte, 0, len(header)+len(aad)), header...), aad...)
}

func split(sealed []byte) (string, []byte, error) {
	if len(sealed) < 2 || sealed[0] != format || len(sealed) < 2+int(sealed[1]) {
		return "", nil, ErrOpen
	}
	n := int(sealed[1])
	return string(sealed[2 : 2+n]), sealed[2+n:], nil
}
