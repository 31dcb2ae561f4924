package browsertest

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// defaultChromium is where Debian's chromium package puts the browser (.ci/run installs it).
const defaultChromium = "/usr/bin/chromium"

// axePath is axe-core's browser build, installed by `npm ci` in this directory.
var axePath = filepath.Join("node_modules", "axe-core", "axe.min.js")

// missing skips the test outside CI and fails it under CI=true, where every tool is
// installed by .ci/run and the Makefile.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but "+format, args...)
	}
	t.Skipf(format, args...)
}

// chromiumPath is the browser the tests drive: ORGKIT_CHROMIUM, else Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("ORGKIT_CHROMIUM")
	if path == "" {
		path = defaultChromium
	}
	if _, err := os.Stat(path); err != nil {
		missing(t, "chromium is not installed at %s (apt-get install -y chromium): %v", path, err)
	}
	return path
}

var (
	axeOnce   sync.Once
	axeScript string
	axeErr    error
)

// axeSource is axe.min.js, read once.
func axeSource(t *testing.T) string {
	t.Helper()
	axeOnce.Do(func() {
		b, err := os.ReadFile(axePath)
		axeScript, axeErr = string(b), err
	})
	if axeErr != nil {
		missing(t, "axe-core is not installed (npm ci in internal/browsertest, or make test): %v", axeErr)
	}
	return axeScript
}

// artifactsDir is where screenshots go: $ORGKIT_ARTIFACTS_DIR, else artifacts/ (gitignored).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ORGKIT_ARTIFACTS_DIR")
	if dir == "" {
		dir = "artifacts"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("artifacts: %v", err)
	}
	return dir
}
