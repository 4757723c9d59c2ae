package create

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFiles(t *testing.T, root string, sizes map[string]int) {
	t.Helper()
	for rel, n := range sizes {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i/251 + n)
		}
		require.NoError(t, os.WriteFile(p, b, 0o644))
	}
}

// Every mode gives the same bytes whatever the number of workers, and reports progress up to
// its number of pieces (per file for v2: files start pieces).
func TestBuildIsIndependentOfWorkersInEveryMode(t *testing.T) {
	root := filepath.Join(t.TempDir(), "t")
	writeFiles(t, root, map[string]int{"a": 40000, "b/c": 16384, "b/d": 1, "e": 0, "f": 100000})
	for _, mode := range []Mode{Hybrid, V1Only, V2Only} {
		var last [2]int
		one, err := Build(Options{Path: root, Mode: mode, PieceLength: 16384, CreationDate: -1, Workers: 1})
		require.NoError(t, err)
		three, err := Build(Options{Path: root, Mode: mode, PieceLength: 16384, CreationDate: -1, Workers: 3,
			Progress: func(done, total int) { last = [2]int{done, total} }})
		require.NoError(t, err)
		require.Equal(t, one, three, "mode %d", mode)
		want := 3 + 1 + 1 + 7 // a, b/c, b/d, f in pieces of 16 KiB each
		if mode == V1Only {
			want = (40000 + 16384 + 1 + 100000 + 16383) / 16384
		}
		require.Equal(t, [2]int{want, want}, last, "mode %d", mode)
		require.Equal(t, mode != V1Only, bytes.Contains(one, []byte("9:file tree")), "mode %d", mode)
		require.Equal(t, mode != V2Only, bytes.Contains(one, []byte("6:pieces")), "mode %d", mode)
		require.Equal(t, mode == Hybrid, bytes.Contains(one, []byte("4:attr1:p")), "mode %d", mode)
	}
	_, err := Build(Options{Path: root, Mode: V2Only + 1})
	require.ErrorContains(t, err, "unknown mode")
}
