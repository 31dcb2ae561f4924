package vaultcrypto_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/orgkit/orgkit/adapters/vaultcrypto"
)

func key(t testing.TB) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestKeyRing_SealOpen(t *testing.T) {
	k1, k2 := key(t), key(t)
	old, err := vaultcrypto.Parse("k1:" + k1)
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("orgkit:api_key:v1:1:7")
	sealed, err := old.Seal([]byte("sk_live_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("sk_live_secret")) {
		t.Fatal("plaintext in ciphertext")
	}
	again, err := old.Seal([]byte("sk_live_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(sealed, again) {
		t.Fatal("nonce reused: equal ciphertexts")
	}
	// A ring rotated to k2 seals with k2 and still opens k1's ciphertexts.
	rotated, err := vaultcrypto.Parse("k2:" + k2 + ", k1:" + k1)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := rotated.Open(sealed, aad); err != nil || string(plain) != "sk_live_secret" {
		t.Fatalf("open with rotated ring: %q %v", plain, err)
	}
	fresh, err := rotated.Seal([]byte("x"), aad)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := rotated.KeyID(fresh); err != nil || id != "k2" || rotated.ActiveKeyID() != "k2" {
		t.Fatalf("active key %q %v", id, err)
	}
	if id, err := rotated.KeyID(sealed); err != nil || id != "k1" {
		t.Fatalf("key id of old ciphertext %q %v", id, err)
	}
	// Once k1 is removed, its ciphertexts no longer open.
	onlyNew, err := vaultcrypto.Parse("k2:" + k2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := onlyNew.Open(sealed, aad); !errors.Is(err, vaultcrypto.ErrOpen) {
		t.Fatalf("removed key: %v", err)
	}
}

func TestKeyRing_TamperAndRebinding(t *testing.T) {
	r, err := vaultcrypto.Parse("k1:" + key(t))
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("orgkit:api_key:v1:1:7")
	sealed, err := r.Seal([]byte("sk_live_secret"), aad)
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		if plain, err := r.Open(c, aad); err == nil {
			t.Fatalf("flipped byte %d opened to %q", i, plain)
		}
	}
	for _, other := range []string{"orgkit:api_key:v1:2:7", "orgkit:api_key:v1:1:8", ""} {
		if _, err := r.Open(sealed, []byte(other)); !errors.Is(err, vaultcrypto.ErrOpen) {
			t.Fatalf("opened under aad %q", other)
		}
	}
	for _, bad := range [][]byte{nil, {1}, {1, 5, 'k'}, sealed[:20]} {
		if _, err := r.Open(bad, aad); !errors.Is(err, vaultcrypto.ErrOpen) {
			t.Fatalf("malformed %v: %v", bad, err)
		}
	}
}

func TestParse_Errors(t *testing.T) {
	short := base64.StdEncoding.EncodeToString([]byte("short"))
	k := key(t)
	for _, spec := range []string{"", "nokey", "k1:" + short, "k1:!!!", "k1:" + k + ",k1:" + k, "bad id:" + k, ":" + k} {
		_, err := vaultcrypto.Parse(spec)
		if err == nil {
			t.Errorf("%q accepted", spec)
		} else if strings.Contains(err.Error(), k) {
			t.Errorf("error leaks key material: %v", err)
		}
	}
	if _, err := vaultcrypto.Parse("a:" + strings.TrimRight(k, "=")); err != nil {
		t.Errorf("unpadded base64 refused: %v", err)
	}
}

func benchRing(b *testing.B) (*vaultcrypto.KeyRing, []byte, []byte) {
	r, err := vaultcrypto.Parse("k1:" + key(b))
	if err != nil {
		b.Fatal(err)
	}
	return r, bytes.Repeat([]byte("k"), 64), []byte("orgkit:api_key:v1:1:7")
}

func BenchmarkSeal64(b *testing.B) {
	r, plain, aad := benchRing(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Seal(plain, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen64(b *testing.B) {
	r, plain, aad := benchRing(b)
	sealed, err := r.Seal(plain, aad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Open(sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}
