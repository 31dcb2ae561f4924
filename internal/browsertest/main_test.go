package browsertest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the binary built for this run; TestMain removes it.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "orgkit-browsertest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// orgkitBinary builds cmd/orgkit once per run: the tests drive the real binary. ORGKIT_BIN
// names a binary built already instead.
func orgkitBinary(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("ORGKIT_BIN"); bin != "" {
		return bin
	}
	buildOnce.Do(func() {
		builtBin = filepath.Join(binDir, "orgkit")
		out, err := exec.Command("go", "build", "-o", builtBin, "github.com/orgkit/orgkit/cmd/orgkit").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("build orgkit: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}
