package disk

import (
	"path/filepath"
	"strings"
	"testing"
)

// FuzzResolvePath checks that whatever the components, a resolved path is
// strictly under the save directory, or rejected.
func FuzzResolvePath(f *testing.F) {
	for _, s := range []string{"a/b", "..", "a/../..", "/etc/passwd", "a\x00b", ".", "", "a//b", "…/x", "a/./b", "...", "a\\..\\b"} {
		f.Add(s)
	}
	const saveDir = "/save/dir"
	f.Fuzz(func(t *testing.T, joined string) {
		if len(joined) > 4096 {
			return
		}
		// Components are separated by '/' here; a component may still hold
		// anything else, including NUL and backslashes.
		parts := strings.Split(joined, "/")
		abs, rel, err := resolvePath(saveDir, parts)
		if err != nil {
			return
		}
		if !strings.HasPrefix(abs, saveDir+"/") || abs != filepath.Clean(abs) {
			t.Fatalf("%q resolved to %q outside %q", parts, abs, saveDir)
		}
		if filepath.Join(saveDir, rel) != abs || !filepath.IsLocal(rel) {
			t.Fatalf("%q: rel %q does not match abs %q", parts, rel, abs)
		}
		for _, p := range parts {
			if p == ".." || p == "." || p == "" || strings.ContainsRune(p, 0) {
				t.Fatalf("%q accepted with component %q", parts, p)
			}
		}
	})
}
