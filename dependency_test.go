package orgkit_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/orgkit/orgkit/"

type pkg struct {
	ImportPath string
	Standard   bool
	Imports    []string
}

// list runs `go list -deps -json` on pattern.
func list(t *testing.T, pattern string, deps bool) []pkg {
	t.Helper()
	args := []string{"list", "-json"}
	if deps {
		args = append(args, "-deps")
	}
	out, err := exec.Command("go", append(args, pattern)...).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pattern, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list %s: no packages", pattern)
	}
	return pkgs
}

// TestDependencyRule enforces DESIGN.md's hexagon on the transitive dependencies of each layer.
func TestDependencyRule(t *testing.T) {
	rules := []struct {
		layer       string   // a package pattern
		allowOwn    []string // module packages the layer may depend on
		allowThirdP []string // third-party prefixes the layer may depend on
	}{
		{"domain/...", []string{"domain"}, nil},
		{"ports", []string{"domain", "ports"}, nil},
		{"ports/mocks", []string{"domain", "ports"}, []string{"go.uber.org/mock"}},
		{"app/...", []string{"domain", "ports", "app"}, []string{"golang.org/x/sync", "golang.org/x/net/idna", "golang.org/x/text"}},
	}
	for _, r := range rules {
		for _, p := range list(t, "./"+r.layer, true) {
			if p.Standard || strings.HasPrefix(p.ImportPath, module+strings.TrimSuffix(r.layer, "/...")) {
				continue
			}
			if !allowed(p.ImportPath, r.allowOwn, r.allowThirdP) {
				t.Errorf("%s depends on %s", r.layer, p.ImportPath)
			}
		}
	}
	for _, p := range list(t, "./adapters/...", false) {
		own := adapterOf(p.ImportPath)
		for _, imp := range p.Imports {
			if other := adapterOf(imp); other != "" && other != own {
				t.Errorf("adapter %s imports adapter %s", p.ImportPath, imp)
			}
			if strings.HasPrefix(imp, module+"cmd") {
				t.Errorf("adapter %s imports %s", p.ImportPath, imp)
			}
		}
	}
}

func allowed(path string, own, third []string) bool {
	for _, o := range own {
		if strings.HasPrefix(path, module+o) {
			return true
		}
	}
	for _, p := range third {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func adapterOf(path string) string {
	rest, ok := strings.CutPrefix(path, module+"adapters/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// TestRootPackage_DoesNotLinkSQLite: a Postgres host importing orgkit does not link the SQLite
// driver; programs that need sqlite: URLs import adapters/gormstore/sqlite (the binary does).
func TestRootPackage_DoesNotLinkSQLite(t *testing.T) {
	pkgs := list(t, ".", true)
	for _, p := range pkgs {
		if strings.Contains(p.ImportPath, "sqlite") {
			t.Errorf("package orgkit links %s", p.ImportPath)
		}
	}
	var linked bool
	for _, p := range list(t, "./cmd/orgkit", true) {
		linked = linked || p.ImportPath == "github.com/glebarez/sqlite"
	}
	if !linked {
		t.Error("the orgkit binary does not link the SQLite driver")
	}
}
