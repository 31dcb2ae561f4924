package main

import (
	"crypto/rand"
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
	devSubject    = "dev"
	devEmail      = "dev@orgkit.local"
	devSecretFile = "dev-hs256-secret"
)

// enableDevMode uses (or creates) a random HS256 secret in the data directory, never a
// built-in constant, and makes the developer a superadmin.
func enableDevMode(cfg *config, stderr io.Writer) error {
	if cfg.AuthHS256Secret == "" {
		secret, err := loadOrCreateDevSecret(cfg.DataDir)
		if err != nil {
			return err
		}
		cfg.AuthHS256Secret = secret
	}
	cfg.SuperadminEmails = strings.Join(append(splitList(cfg.SuperadminEmails), devEmail), ",")
	fmt.Fprintf(stderr, `
!!! orgkit is running in DEVELOPMENT mode (serve --dev) !!!
!!! HS256 secret: %s; %s is a superadmin. Never expose this server. !!!
Mint a token with:
    go run ./cmd/orgkit token --sub %s --email %s

`, filepath.Join(cfg.DataDir, devSecretFile), devEmail, devSubject, devEmail)
	return nil
}

func loadOrCreateDevSecret(dir string) (string, error) {
	path := filepath.Join(dir, devSecretFile)
	if s, err := readDevSecret(dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return s, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("dev mode: %w", err)
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	secret := hex.EncodeToString(b)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process created it first: use theirs
		return readDevSecret(dir)
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

func readDevSecret(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, devSecretFile))
	if err != nil {
		return "", err
	}
	s := strings.TrimSpace(string(b))
	if len(s) < 32 {
		return "", fmt.Errorf("dev secret in %s is too short; delete it to regenerate", dir)
	}
	return s, nil
}
