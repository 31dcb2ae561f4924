package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// devEmail is the superadmin of `serve --dev`; `orgkit token` mints for it by default there.
const (
	devEmail      = "dev@orgkit.local"
	devSecretFile = "dev-hs256-secret"
	devVaultFile  = "dev-vault-key"
)

// enableDevMode uses (or creates) a random HS256 secret and vault key in the data directory,
// never built-in constants, and makes the developer a superadmin.
func enableDevMode(cfg *config, stderr io.Writer) error {
	if cfg.AuthHS256Secret == "" {
		secret, err := loadOrCreate(cfg.DataDir, devSecretFile, hex.EncodeToString)
		if err != nil {
			return err
		}
		cfg.AuthHS256Secret = secret
	}
	if cfg.VaultKeys == "" {
		key, err := loadOrCreate(cfg.DataDir, devVaultFile, func(b []byte) string { return "dev:" + base64.StdEncoding.EncodeToString(b) })
		if err != nil {
			return err
		}
		cfg.VaultKeys = key
	}
	cfg.SuperadminEmails = strings.Join(append(splitList(cfg.SuperadminEmails), devEmail), ",")
	cfg.WebhookPrivate = "true" // receivers on the developer's machine
	fmt.Fprintf(stderr, `
!!! orgkit is running in DEVELOPMENT mode (serve --dev) !!!
!!! Secrets in %s; %s is a superadmin. Never expose this server. !!!
Mint a token with:
    go run ./cmd/orgkit token --email %s
or sign in at /portal/sign-in with that email: the same user.

`, cfg.DataDir, devEmail, devEmail)
	return nil
}

// loadOrCreate reads a generated secret file, creating it from 32 random bytes (encoded by
// encode) on first use. Concurrent first starts agree on one file.
func loadOrCreate(dir, name string, encode func([]byte) string) (string, error) {
	path := filepath.Join(dir, name)
	if s, err := readSecretFile(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("dev mode: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := encode(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process created it first: use theirs
		return readSecretFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("dev mode: %w", err)
	}
	defer f.Close()
	if _, err := f.WriteString(secret + "\n"); err != nil {
		return "", fmt.Errorf("dev mode: %w", err)
	}
	return secret, f.Close()
}

// readDevSecret reads the HS256 secret that `serve --dev` keeps (for `orgkit token`).
func readDevSecret(dir string) (string, error) {
	return readSecretFile(filepath.Join(dir, devSecretFile))
}

func readSecretFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if len(s) < 32 {
		return "", fmt.Errorf("%s is too short; delete it to regenerate", path)
	}
	return s, nil
}
