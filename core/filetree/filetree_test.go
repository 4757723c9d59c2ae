package filetree

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/limits"
)

var root = strings.Repeat("r", 32)

type visited struct {
	path string
	leaf Leaf
}

func walk(t *testing.T, tree string, maxDepth int) ([]visited, error) {
	t.Helper()
	var out []visited
	err := Walk([]byte(tree), maxDepth, func(path []string, leaf *Leaf) error {
		out = append(out, visited{strings.Join(path, "/"), *leaf})
		return nil
	})
	return out, err
}

func TestWalkVisitsFilesDepthFirstInInputOrder(t *testing.T) {
	tree := "d1:bd1:cd0:d6:lengthi70000e11:pieces root32:" + root + "ee1:dd0:d6:lengthi0eeee" +
		"1:ad0:d4:attr2:xh6:lengthi3e11:pieces root32:" + root + "ee" +
		"1:ld0:d4:attr1:l12:symlink pathl1:x2:..eeee"
	got, err := walk(t, tree, 100)
	require.NoError(t, err)
	require.Len(t, got, 4)
	require.Equal(t, "b/c", got[0].path)
	require.Equal(t, int64(70000), got[0].leaf.Length)
	require.Equal(t, root, string(got[0].leaf.Root[:]))
	require.Equal(t, "b/d", got[1].path)
	require.True(t, got[1].leaf.Root.IsZero(), "an empty file has no root")
	require.Equal(t, "a", got[2].path)
	require.Equal(t, "xh", got[2].leaf.Attr)
	require.Equal(t, "l", got[3].path)
	require.True(t, got[3].leaf.HasSymlink)
	require.Equal(t, []string{"x", ".."}, got[3].leaf.SymlinkPath)
	require.Zero(t, got[3].leaf.Length)
	require.False(t, Single([]byte(tree)))
	require.True(t, Single([]byte("d1:fd0:d6:lengthi0eeee")))
	require.False(t, Single([]byte("d1:fd1:gd0:d6:lengthi0eeeee")), "a directory at the top")

	// A symlink without a target is an empty file, as libtorrent makes it.
	got, err = walk(t, "d1:ld0:d4:attr1:l6:lengthi5eeee", 100)
	require.NoError(t, err)
	require.False(t, got[0].leaf.HasSymlink)
	require.Zero(t, got[0].leaf.Length)
}

func TestWalkRefusesWhatLibtorrentRefuses(t *testing.T) {
	for _, c := range []struct {
		tree string
		want error
	}{
		{"le", ErrInvalid},
		{"d1:ai1ee", ErrInvalid},
		{"d0:d0:d6:lengthi0eeee", ErrInvalid},                                                      // an empty name
		{"d1:ad0:d6:lengthi-1eeee", ErrInvalid},                                                    // negative length
		{"d1:ad0:d6:length1:1eee", ErrInvalid},                                                     // length not an integer
		{"d1:ad0:d4:attr1:p6:lengthi0eeee", ErrInvalid},                                            // a pad file
		{"d1:ad0:d6:lengthi17592186028032eeee", ErrInvalid},                                        // 2^30-1 blocks
		{"d1:ad0:i1eee", ErrInvalid},                                                               // a leaf not a dict
		{"d1:ad0:d6:lengthi1eeee", ErrPiecesRoot},                                                  // no root
		{"d1:ad0:d6:lengthi1e11:pieces root3:abceee", ErrPiecesRoot},                               // short root
		{"d1:ad0:d6:lengthi1e11:pieces root32:" + string(make([]byte, 32)) + "eee", ErrPiecesRoot}, // zero root
	} {
		_, err := walk(t, c.tree, 100)
		require.ErrorIs(t, err, c.want, "%q", c.tree)
	}
	// A dict with "" beside other keys is a directory, whose "" entry is refused.
	_, err := walk(t, "d1:ad0:d6:lengthi0ee1:bd0:d6:lengthi0eeeee", 100)
	require.ErrorIs(t, err, ErrInvalid)

	stop := errors.New("stop")
	err = Walk([]byte("d1:ad0:d6:lengthi0eeee"), 100, func([]string, *Leaf) error { return stop })
	require.ErrorIs(t, err, stop)
}

func TestWalkBoundsThePathDepth(t *testing.T) {
	tree := strings.Repeat("d1:d", 5) + "d0:d6:lengthi0eee" + strings.Repeat("e", 5)
	_, err := walk(t, tree, 4) // the file's path has 5 elements
	var lim *limits.Error
	require.ErrorAs(t, err, &lim)
	require.Equal(t, limits.Error{Limit: LimitDirectoryDepth, Value: 5, Max: 4}, *lim)
	got, err := walk(t, tree, 5)
	require.NoError(t, err)
	require.Equal(t, "d/d/d/d/d", got[0].path)
}

// A tree 99 directories deep over 20,000 files: one pass, whatever the depth.
func BenchmarkWalkDeepTree(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(strings.Repeat("d1:d", 99) + "d")
	for i := range 20000 {
		k := strconv.Itoa(100000 + i)
		sb.WriteString(strconv.Itoa(len(k)) + ":" + k + "d0:d6:lengthi1e11:pieces root32:" + root + "ee")
	}
	sb.WriteString(strings.Repeat("e", 100))
	tree := []byte(sb.String())
	b.SetBytes(int64(len(tree)))
	for b.Loop() {
		n := 0
		if err := Walk(tree, 100, func([]string, *Leaf) error { n++; return nil }); err != nil || n != 20000 {
			b.Fatal(err, n)
		}
	}
}
