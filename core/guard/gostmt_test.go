package guard

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// engineTrees are the folders linked into libbt: every goroutine started there must go through
// this package, so that a panic on it cannot kill the host.
var engineTrees = []string{"core", "disk", "dht", "capi"}

// bareGoStatements lists the `go` statements of the Go files under root/dirs, skipping tests,
// this package and test-support packages (a package named xxxtest, e.g. trackertest: test
// servers never linked into libbt).
func bareGoStatements(t *testing.T, root string, dirs []string) []string {
	var found []string
	fset := token.NewFileSet()
	for _, dir := range dirs {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" || strings.HasSuffix(d.Name(), "test") {
					return filepath.SkipDir
				}
				if rel, _ := filepath.Rel(root, path); filepath.ToSlash(rel) == "core/guard" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if g, ok := n.(*ast.GoStmt); ok {
					pos := fset.Position(g.Pos())
					rel, _ := filepath.Rel(root, pos.Filename)
					found = append(found, filepath.ToSlash(rel)+":"+strconv.Itoa(pos.Line))
				}
				return true
			})
			return nil
		})
		require.NoError(t, err)
	}
	return found
}

func TestEveryEngineGoroutineStartsThroughGuard(t *testing.T) {
	root := filepath.Join("..", "..")
	_, err := os.Stat(filepath.Join(root, "go.mod"))
	require.NoError(t, err, "the test runs from core/guard, two levels below the module root")
	bare := bareGoStatements(t, root, engineTrees)
	require.Empty(t, bare, "start these goroutines with guard.Go or guard.Supervise, so that a panic on them is recovered")
}

func TestBareGoStatementCheckFindsOne(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "core", "x"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "core", "xtest"), 0o755))
	src := "package x\n\nfunc f() {\n\tgo func() {}()\n}\n"
	require.NoError(t, os.WriteFile(filepath.Join(root, "core", "x", "x.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "core", "x", "x_test.go"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(root, "core", "xtest", "x.go"), []byte(src), 0o644))
	require.Equal(t, []string{"core/x/x.go:4"}, bareGoStatements(t, root, []string{"core"}))
}
