package disk

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func deepPath(depth int) []string {
	p := make([]string, depth+1)
	for i := range depth {
		p[i] = "d"
	}
	p[depth] = "f"
	return p
}

// openAllocated returns the bytes OpenStorage allocates for one file depth directories deep
// under an existing save directory (runtime.MemStats.TotalAlloc: deterministic, unlike time).
func openAllocated(t *testing.T, depth int) uint64 {
	dir := t.TempDir()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, err := OpenStorage(dir, []FileSpec{{Path: deepPath(depth), Length: 1}, {Path: []string{"g"}, Length: 1}}, StorageOptions{})
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	return after.TotalAlloc - before.TotalAlloc
}

// OpenStorage's path checks are linear in the depth of a path: four times the depth costs
// about four times the memory, where the old per-level Lstat of the whole path (and Dir of
// it) cost sixteen times (a 300,000-deep path kept `bt get` busy for minutes).
func TestOpenStorageIsLinearInPathDepth(t *testing.T) {
	small, large := openAllocated(t, 4000), openAllocated(t, 16000)
	t.Logf("depth 4000: %d bytes, depth 16000: %d bytes (ratio %.1f)", small, large, float64(large)/float64(small))
	require.Less(t, float64(large)/float64(small), 8.0, "allocations grow faster than the depth")
}

func TestCheckNoFileIsADirectoryFindsClashesAtAnyDepth(t *testing.T) {
	deep := deepPath(1000)
	dirAsFile := append([]string(nil), deep[:500]...)
	require.ErrorContains(t, checkNoFileIsADirectory([]FileSpec{{Path: deep}, {Path: dirAsFile}}), "file 1")
	require.ErrorContains(t, checkNoFileIsADirectory([]FileSpec{{Path: dirAsFile}, {Path: deep}}), "file 0")
	sibling := append(append([]string(nil), deep[:1000]...), "g")
	require.NoError(t, checkNoFileIsADirectory([]FileSpec{{Path: deep}, {Path: sibling}, {Path: dirAsFile, Pad: true}}))
	require.NoError(t, checkNoFileIsADirectory([]FileSpec{{Path: []string{"a", "b"}}, {Path: []string{"b", "a"}}}))
}

func TestSymlinkCheckFollowsLinksThatStayInside(t *testing.T) {
	save := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(save, "x", "real"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(save, "y"), 0o755))
	require.NoError(t, os.Symlink("../x/real", filepath.Join(save, "y", "up")))
	require.NoError(t, checkNoSymlinkEscape(save, filepath.Join("y", "up", "f")))

	require.NoError(t, os.Symlink(strings.Repeat("../", 10)+"etc", filepath.Join(save, "x", "real", "out")))
	require.ErrorIs(t, checkNoSymlinkEscape(save, filepath.Join("y", "up", "out", "passwd")), ErrPathEscape)
	require.NoError(t, checkNoSymlinkEscape(filepath.Join(save, "missing"), "a"))
	require.NoError(t, checkNoSymlinkEscape(save, filepath.Join("y", "new", "deeper", "f")))
}
