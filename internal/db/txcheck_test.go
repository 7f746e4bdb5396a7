package db_test

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestTransactionsUseOnlyTheirHandle: inside db.Transaction(func(tx *gorm.DB) error {...}) every
// statement must go through tx. A statement on the outer *gorm.DB waits for a second connection
// while the transaction holds one; with SQLite's single connection it waits for itself. The
// test type-checks the whole module and fails on any transaction closure that uses a *gorm.DB
// from outside it, directly, through a field, or through a method of a value holding one.
func TestTransactionsUseOnlyTheirHandle(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks the whole module")
	}
	found := outerHandles(t, "github.com/jiandu/jiandu/...")
	for _, f := range found {
		t.Errorf("%s", f)
	}
}

// TestTransactionCheckFindsMistakes proves the check above can fail: it must name each
// mistake in testdata/txbad and nothing else.
func TestTransactionCheckFindsMistakes(t *testing.T) {
	if testing.Short() {
		t.Skip("type-checks a package")
	}
	found := outerHandles(t, "./testdata/txbad")
	var funcs []string
	for _, f := range found {
		funcs = append(funcs, f[strings.LastIndex(f, " in ")+4:])
	}
	sort.Strings(funcs)
	want := []string{"OuterField", "OuterHandle", "OuterMethod"}
	if strings.Join(funcs, ",") != strings.Join(want, ",") {
		t.Fatalf("found %q, want one finding in each of %v", found, want)
	}
}

// outerHandles lists "file:line: <what> in <func>" for each use of an outer pool inside a
// transaction closure of the packages matching pattern.
func outerHandles(t *testing.T, pattern string) []string {
	t.Helper()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
		packages.NeedTypes | packages.NeedTypesInfo, Tests: true}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		t.Fatalf("load %s: %v", pattern, err)
	}
	seen := map[string]bool{}
	var found []string
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			t.Fatalf("load %s: %v", pkg.PkgPath, e)
		}
		for _, file := range pkg.Syntax {
			for _, decl := range file.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				for _, f := range checkFunc(pkg.Fset, pkg.TypesInfo, fn) {
					if !seen[f] {
						seen[f] = true
						found = append(found, f)
					}
				}
			}
		}
	}
	return found
}

func checkFunc(fset *token.FileSet, info *types.Info, fn *ast.FuncDecl) []string {
	var found []string
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Transaction" || !isGormDB(info.TypeOf(sel.X)) {
			return true
		}
		lit, ok := call.Args[0].(*ast.FuncLit)
		if !ok {
			return true
		}
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			id, ok := n.(*ast.Ident)
			if !ok {
				return true
			}
			v, ok := info.Uses[id].(*types.Var)
			if !ok || v.IsField() || (v.Pos() >= lit.Pos() && v.Pos() < lit.End()) {
				return true // declared inside the closure (tx itself), or not a variable
			}
			if what := outerUse(info, lit, id, v); what != "" {
				found = append(found, fset.Position(id.Pos()).String()+": "+what+" in "+fn.Name.Name)
			}
			return true
		})
		return true
	})
	return found
}

// outerUse says how the outer variable v, at id, reaches a pool, or "" if it does not.
func outerUse(info *types.Info, lit *ast.FuncLit, id *ast.Ident, v *types.Var) string {
	if isGormDB(v.Type()) {
		return "outer *gorm.DB " + id.Name
	}
	if !holdsGormDB(v.Type()) {
		return ""
	}
	// v holds a pool: a selection on it that yields the pool, or calls a method, reaches it.
	var what string
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok || sel.X != id {
			return true
		}
		s := info.Selections[sel]
		switch {
		case s == nil:
		case s.Kind() == types.MethodVal:
			what = "method " + id.Name + "." + sel.Sel.Name + " of a value holding the pool"
		case isGormDB(s.Type()):
			what = "outer pool " + id.Name + "." + sel.Sel.Name
		}
		return what == ""
	})
	return what
}

func isGormDB(t types.Type) bool {
	p, ok := t.(*types.Pointer)
	if !ok {
		return false
	}
	n, ok := p.Elem().(*types.Named)
	return ok && n.Obj().Name() == "DB" && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "gorm.io/gorm"
}

// holdsGormDB reports whether t (or what it points to) is a struct with a *gorm.DB field.
func holdsGormDB(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	s, ok := t.Underlying().(*types.Struct)
	if !ok {
		return false
	}
	for i := range s.NumFields() {
		if isGormDB(s.Field(i).Type()) {
			return true
		}
	}
	return false
}
