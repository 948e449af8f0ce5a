package scs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoTwoFilesCallEachOther keeps the package's files in layers: when a
// file calls a function, or a method of SessionManager, defined in another
// file, that other file calls nothing back in it. A reader can then take
// the files in order, each using only what came before.
func TestNoTwoFilesCallEachOther(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	defined := map[string]string{} // function or method name -> file
	parsed := map[string]*ast.File{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed[f] = af
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && managerOrPackageFunc(fd) {
				defined[fd.Name.Name] = f
			}
		}
	}
	calls := map[[2]string]string{} // [caller, callee file] -> a name called
	for f, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			var name string
			switch x := n.(type) {
			case *ast.CallExpr:
				if id, ok := x.Fun.(*ast.Ident); ok {
					name = id.Name
				}
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "s" {
					name = x.Sel.Name
				}
			}
			if g, ok := defined[name]; ok && g != f {
				calls[[2]string{f, g}] = name
			}
			return true
		})
	}
	for pair, name := range calls {
		if back, ok := calls[[2]string{pair[1], pair[0]}]; ok && pair[0] < pair[1] {
			t.Errorf("%s calls %s (%s), and %s calls %s (%s): move one of them so that the calls go one way", pair[0], pair[1], name, pair[1], pair[0], back)
		}
	}
}

// managerOrPackageFunc reports whether fd is a package-level function or a
// method of SessionManager: the calls the layering is about.
func managerOrPackageFunc(fd *ast.FuncDecl) bool {
	if fd.Recv == nil {
		return true
	}
	t := fd.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	id, ok := t.(*ast.Ident)
	return ok && id.Name == "SessionManager"
}
