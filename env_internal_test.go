package orgkit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/orgkit/orgkit/adapters/gormstore/sqlite"
)

// TestRedisClient_ShortTimeouts: the binary's client gives up on a slow Redis in about a
// second, unless the URL sets its own timeouts.
func TestRedisClient_ShortTimeouts(t *testing.T) {
	c, err := redisClient("redis://127.0.0.1:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	o := c.Options()
	if o.DialTimeout != time.Second || o.ReadTimeout != 500*time.Millisecond || o.WriteTimeout != 500*time.Millisecond || o.PoolTimeout != time.Second {
		t.Fatalf("dial %v read %v write %v pool %v", o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout)
	}
	c2, err := redisClient("redis://127.0.0.1:6379/0?read_timeout=2s&dial_timeout=3s")
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if o := c2.Options(); o.ReadTimeout != 2*time.Second || o.DialTimeout != 3*time.Second || o.WriteTimeout != 500*time.Millisecond {
		t.Fatalf("the URL's own timeouts: dial %v read %v write %v", o.DialTimeout, o.ReadTimeout, o.WriteTimeout)
	}
}

// ORGKIT_ACCESS_CACHE_TTL sets the access cache's lifetime, 0 turns it off, and a value that
// is not a duration (or a negative one) is an error naming the variable.
func TestConfigFromEnv_AccessCacheTTL(t *testing.T) {
	for _, c := range []struct {
		value string
		want  AccessCacheConfig
		fails bool
	}{
		{"", AccessCacheConfig{}, false},
		{"500ms", AccessCacheConfig{TTL: 500 * time.Millisecond}, false},
		{"0", AccessCacheConfig{Disabled: true}, false},
		{"-1s", AccessCacheConfig{}, true},
		{"soon", AccessCacheConfig{}, true},
	} {
		env := map[string]string{"ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "orgkit.db"), "ORGKIT_ACCESS_CACHE_TTL": c.value}
		cfg, err := ConfigFromEnv(context.Background(), func(k string) string { return env[k] })
		if c.fails {
			if err == nil || !strings.Contains(err.Error(), "ORGKIT_ACCESS_CACHE_TTL") {
				t.Errorf("%q: %v, want an error naming ORGKIT_ACCESS_CACHE_TTL", c.value, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.value, err)
		}
		if err := CloseConfig(cfg); err != nil {
			t.Fatal(err)
		}
		if cfg.AccessCache != c.want {
			t.Errorf("%q: %+v, want %+v", c.value, cfg.AccessCache, c.want)
		}
	}
}

// ORGKIT_BLOB_URL defaults to a directory blobs under ORGKIT_DATA_DIR; ORGKIT_PUBLIC_URL
// defaults to the listen address's URL; bad values are errors naming the variable.
func TestConfigFromEnv_Blobs(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "orgkit.db"), "ORGKIT_DATA_DIR": dataDir}
	getenv := func(k string) string { return env[k] }
	cfg, err := ConfigFromEnv(context.Background(), getenv)
	if err != nil {
		t.Fatal(err)
	}
	if err := CloseConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.PublicURL != "http://127.0.0.1:8080" || cfg.Blobs == nil {
		t.Fatalf("PublicURL %q, Blobs %v", cfg.PublicURL, cfg.Blobs)
	}
	if err := cfg.Blobs.Put(context.Background(), "organizations/1/logo/ab", []byte("x"), "image/png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dataDir, "blobs", "organizations", "1", "logo", "ab~blob")); err != nil {
		t.Fatalf("the default store is not under ORGKIT_DATA_DIR: %v", err)
	}
	other := t.TempDir()
	env["ORGKIT_BLOB_URL"], env["ORGKIT_PUBLIC_URL"] = "file:"+other, "https://api.example.com"
	if cfg, err = ConfigFromEnv(context.Background(), getenv); err != nil {
		t.Fatal(err)
	}
	if err := CloseConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Blobs.Put(context.Background(), "k", []byte("x"), "image/png"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(other, "k~blob")); err != nil || cfg.PublicURL != "https://api.example.com" {
		t.Fatalf("ORGKIT_BLOB_URL not used: %v %q", err, cfg.PublicURL)
	}
	for name, value := range map[string]string{"ORGKIT_BLOB_URL": "gopher://x", "ORGKIT_PUBLIC_URL": "example.com"} {
		bad := map[string]string{"ORGKIT_DATABASE_URL": env["ORGKIT_DATABASE_URL"], "ORGKIT_DATA_DIR": dataDir, name: value}
		if _, err := ConfigFromEnv(context.Background(), func(k string) string { return bad[k] }); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: %v, want an error naming it", name, value, err)
		}
	}
}

// ORGKIT_DOMAIN_RECHECK_POLL sets how often Run looks for due domains; unset keeps Run's
// default (zero here), and a value that is not a positive duration names the variable.
func TestConfigFromEnv_RecheckPoll(t *testing.T) {
	for _, c := range []struct {
		value string
		want  time.Duration
		fails bool
	}{{"", 0, false}, {"250ms", 250 * time.Millisecond, false}, {"0s", 0, true}, {"often", 0, true}} {
		env := map[string]string{"ORGKIT_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "orgkit.db"), "ORGKIT_DOMAIN_RECHECK_POLL": c.value}
		cfg, err := ConfigFromEnv(context.Background(), func(k string) string { return env[k] })
		if c.fails {
			if err == nil || !strings.Contains(err.Error(), "ORGKIT_DOMAIN_RECHECK_POLL") {
				t.Errorf("%q: %v, want an error naming ORGKIT_DOMAIN_RECHECK_POLL", c.value, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.value, err)
		}
		if got := cfg.Domains.Recheck.PollEvery; got != c.want {
			t.Errorf("%q: PollEvery %v, want %v", c.value, got, c.want)
		}
		if err := CloseConfig(cfg); err != nil {
			t.Fatal(err)
		}
	}
}
