package arch

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/libbt/libbt/"

// maxLines is the size a package may reach, in non-test lines of Go.
const maxLines = 2000

// oversized are the packages still larger than maxLines, with the ceiling each may not pass
// while it is split up (issue 10). Lower a ceiling when a package shrinks; never raise one.
var oversized = map[string]int{
	"core/session": 6270,
	"disk":         4500,
	"dht":          3000,
	"capi":         3000,
}

// capiImports are the only packages of the module that capi may import: the session's API and
// the leaves its types are made of.
var capiImports = map[string]bool{"core/session": true, "core/guard": true, "core/metainfo": true, "core/shrink": true}

type pkg struct {
	lines       int             // non-test lines
	imports     map[string]bool // module packages imported by non-test files
	testImports map[string]bool // ... and by test files
}

// packages reads every Go package of the module under the engine's trees.
func packages(t *testing.T) map[string]*pkg {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	out := map[string]*pkg{}
	fset := token.NewFileSet()
	for _, tree := range []string{"core", "disk", "dht", "capi", "cmd", "examples"} {
		if _, err := os.Stat(filepath.Join(root, tree)); err != nil {
			continue
		}
		err := filepath.WalkDir(filepath.Join(root, tree), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") {
				return nil
			}
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			rel = filepath.ToSlash(rel)
			p := out[rel]
			if p == nil {
				p = &pkg{imports: map[string]bool{}, testImports: map[string]bool{}}
				out[rel] = p
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				return err
			}
			test := strings.HasSuffix(path, "_test.go")
			for _, im := range f.Imports {
				ip, _ := strconv.Unquote(im.Path.Value)
				if dep, ok := strings.CutPrefix(ip, module); ok {
					if test {
						p.testImports[dep] = true
					} else {
						p.imports[dep] = true
					}
				}
			}
			if !test {
				p.lines += countLines(t, path)
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Contains(t, out, "core/session", "the walk found the engine")
	return out
}

func countLines(t *testing.T, path string) int {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
	}
	require.NoError(t, sc.Err())
	return n
}

func sorted(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestNothingImportsCapi(t *testing.T) {
	for name, p := range packages(t) {
		require.False(t, p.imports["capi"] || p.testImports["capi"], "%s imports capi", name)
	}
}

func TestCapiTalksToTheSessionAPIOnly(t *testing.T) {
	p := packages(t)["capi"]
	require.NotNil(t, p)
	for _, dep := range sorted(p.imports) {
		require.True(t, capiImports[dep], "capi imports %s: only %v (move what it needs behind core/session's API)", dep, sorted(capiImports))
	}
}

// Leaf packages (everything but core/session and what sits above it) never import the session:
// the dependency direction is strictly downward.
func TestLeavesNeverImportTheSession(t *testing.T) {
	for name, p := range packages(t) {
		if name == "core/session" || name == "capi" || strings.HasPrefix(name, "cmd") || strings.HasPrefix(name, "examples") {
			continue
		}
		require.False(t, p.imports["core/session"], "%s imports core/session", name)
		if name != "core/arch" {
			require.False(t, p.testImports["core/session"], "%s's tests import core/session", name)
		}
	}
}

func TestPackageSizes(t *testing.T) {
	pkgs := packages(t)
	for name, p := range pkgs {
		if strings.HasSuffix(name, "test") || strings.HasPrefix(name, "cmd") || strings.HasPrefix(name, "examples") {
			continue // test support and tools, never linked into libbt
		}
		limit := maxLines
		if c, ok := oversized[name]; ok {
			limit = c
		}
		t.Logf("%-24s %5d lines", name, p.lines)
		require.LessOrEqual(t, p.lines, limit, "%s has %d non-test lines (at most %d): split it by concern", name, p.lines, limit)
	}
	for name, c := range oversized {
		p := pkgs[name]
		require.NotNil(t, p, "%s is gone: drop it from oversized", name)
		require.Greater(t, p.lines, maxLines, "%s fits in %d lines now: drop it from oversized", name, maxLines)
		require.Less(t, c-p.lines, 1000, "%s has %d lines: lower its ceiling (%d) to hold the gain", name, p.lines, c)
	}
}

// Packages that own nothing of their own: their state belongs to the goroutine that calls them
// (a torrent's, the scheduler's), so they start no goroutines and touch no sockets or files. The
// pure ones do not read the clock or lock either: time is passed in, and the caller serialises.
// docs/ARCHITECTURE.md ("Ownership") names them.
var (
	purePackages = []string{"core/bitfield", "core/choker", "core/ext", "core/filetree", "core/inflight", "core/limits",
		"core/merkle", "core/picker", "core/progress", "core/queue", "core/sched", "core/shrink", "core/smartban", "core/superseed", "core/utmetadata"}
	passivePackages = []string{"core/bencode", "core/inbox", "core/peerwire", "core/pex", "core/settings", "core/upload"}
)

// forbidden lists what a package's non-test files use that its class does not allow: imports
// of sockets, files, goroutine starters (and for pure packages locks), go statements, and for
// pure packages calls that read the clock or wait on it.
func forbidden(t *testing.T, dir string, pure bool) []string {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	badImport := func(ip string) bool {
		switch {
		case ip == "net", strings.HasPrefix(ip, "net/") && ip != "net/netip", ip == "os", strings.HasPrefix(ip, "os/"),
			ip == "syscall", ip == module+"core/guard":
			return true
		case pure && (ip == "sync" || ip == "sync/atomic"):
			return true
		}
		return false
	}
	clock := map[string]bool{"Now": true, "Since": true, "Until": true, "After": true, "AfterFunc": true,
		"NewTimer": true, "NewTicker": true, "Tick": true, "Sleep": true}
	var found []string
	files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
	require.NoError(t, err)
	require.NotEmpty(t, files, dir)
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		timeName := ""
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			if badImport(ip) {
				found = append(found, filepath.Base(path)+" imports "+ip)
			}
			if ip == "time" {
				timeName = "time"
				if im.Name != nil {
					timeName = im.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				found = append(found, fset.Position(n.Pos()).String()+": go statement")
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok && pure && timeName != "" && x.Name == timeName && clock[n.Sel.Name] {
					found = append(found, fset.Position(n.Pos()).String()+": time."+n.Sel.Name)
				}
			}
			return true
		})
	}
	return found
}

func TestPurePackagesOwnNoGoroutinesIOOrClock(t *testing.T) {
	for _, dir := range purePackages {
		require.Empty(t, forbidden(t, dir, true), "%s is pure (docs/ARCHITECTURE.md, Ownership)", dir)
	}
	for _, dir := range passivePackages {
		require.Empty(t, forbidden(t, dir, false), "%s starts no goroutines and does no I/O (docs/ARCHITECTURE.md, Ownership)", dir)
	}
	// The check itself sees what it forbids.
	require.NotEmpty(t, forbidden(t, "core/lsd", false), "core/lsd has sockets and goroutines")
	require.NotEmpty(t, forbidden(t, "core/pex", true), "core/pex reads the clock")
}
