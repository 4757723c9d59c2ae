package progress

import (
	"testing"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// info is three files over pieces of 10 bytes: a (0-14), pad (15-19), b (20-44), empty c; the
// last piece holds 5 bytes.
func info() *metainfo.Info {
	return &metainfo.Info{PieceLength: 10, TotalLength: 45, MultiFile: true, Pieces: make([]byte, 5*20), Files: []metainfo.File{
		{Path: []string{"a"}, Length: 15, Offset: 0},
		{Path: []string{".pad", "5"}, Length: 5, Offset: 15, Pad: true},
		{Path: []string{"b"}, Length: 25, Offset: 20},
		{Path: []string{"c"}, Length: 0, Offset: 45},
	}}
}

func TestPiecePrioritiesTakeTheHighestFileOverlappingAPiece(t *testing.T) {
	in := info()
	require.Equal(t, 5, in.NumPieces())
	prio := []int{1, 7, 4, 7}
	got := PiecePriorities(in, func(i int) int { return prio[i] })
	// piece 1 (10-19) holds a's tail and the pad file: the pad's 7 does not count.
	require.Equal(t, []int{1, 1, 4, 4, 4}, got)
	prio = []int{0, 7, 2, 7}
	require.Equal(t, []int{0, 0, 2, 2, 2}, PiecePriorities(in, func(i int) int { return prio[i] }))
}

func TestTotalsCountWantedAndDoneBytes(t *testing.T) {
	in := info()
	have := bitfield.New(5)
	have.Set(0)
	have.Set(4)
	tot := Count(in, have, []int{0, 0, 2, 2, 2})
	require.Equal(t, Totals{Done: 15, Wanted: 25, WantedDone: 5}, tot)
	require.False(t, tot.Complete())
	tot.Verified(in, 2, true)
	tot.Verified(in, 1, false)
	require.Equal(t, Totals{Done: 35, Wanted: 25, WantedDone: 15}, tot)
	tot.Verified(in, 3, true)
	require.True(t, tot.Complete())
	require.True(t, Count(in, bitfield.New(5), make([]int, 5)).Complete(), "nothing wanted: complete")
}
