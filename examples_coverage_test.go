package orgkit_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryExportedNameHasAnExample: the root package is the surface hosts adopt, so every
// exported function, type and method has a godoc Example that compiles.
func TestEveryExportedNameHasAnExample(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	examples := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if strings.HasSuffix(file, "_test.go") {
					if strings.HasPrefix(name, "Example") {
						examples[strings.TrimPrefix(name, "Example")] = true
					}
					continue
				}
				if !d.Name.IsExported() {
					continue
				}
				if d.Recv != nil {
					recv := d.Recv.List[0].Type
					if star, ok := recv.(*ast.StarExpr); ok {
						recv = star.X
					}
					if !ast.IsExported(recv.(*ast.Ident).Name) {
						continue
					}
					name = recv.(*ast.Ident).Name + "_" + name
				}
				names = append(names, name)
			case *ast.GenDecl:
				if strings.HasSuffix(file, "_test.go") || d.Tok != token.TYPE {
					continue
				}
				for _, s := range d.Specs {
					if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
						names = append(names, ts.Name.Name)
					}
				}
			}
		}
	}
	if len(names) < 10 {
		t.Fatalf("found only %d exported names: %v", len(names), names)
	}
	for _, n := range names {
		if !examples[n] {
			t.Errorf("%s has no Example%s", n, n)
		}
	}
}
