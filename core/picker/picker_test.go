package picker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidateRejectsInconsistentGeometry(t *testing.T) {
	require.NoError(t, Validate(1, 100, 1))
	require.NoError(t, Validate(3, 1<<18, 2<<18+1))
	require.Error(t, Validate(0, 1<<18, 1))
	require.Error(t, Validate(2, 1<<18, 1<<18)) // last piece empty
	require.Error(t, Validate(2, 1<<18, 3<<18)) // last piece too long
	require.Error(t, Validate(1, -1, 10))
	require.Panics(t, func() { New(2, 10, 100) })
}

func TestPickerPrefersRarestPiece(t *testing.T) {
	p := New(8, 2*BlockSize, 16*BlockSize, seeded(1))
	all := bf(8, 0, 1, 2, 3, 4, 5, 6, 7)
	p.PeerHasBitfield(all)
	p.PeerHasBitfield(all)
	p.PeerHasBitfield(bf(8, 0, 1, 2, 3, 4, 6, 7)) // 5 is rarest (2), the rest 3
	p.PeerHasPiece(3)                             // 3 now 4
	require.Equal(t, 2, p.Availability(5))
	require.Equal(t, 4, p.Availability(3))
	got := p.Pick(1, ptr(all), 2, nil)
	require.Equal(t, []Block{{5, 0, BlockSize}, {5, BlockSize, BlockSize}}, got)
	// Pieces with availability 3 come before piece 3 (availability 4).
	got = p.Pick(1, ptr(all), 12, nil)
	require.Len(t, got, 12)
	require.NotContains(t, pieces(got), 3)
	got = p.Pick(1, ptr(all), 2, nil)
	require.Equal(t, []int{3}, pieces(got))
	checkInvariants(t, p)
}

func TestPickerSeedsCountTowardAvailabilityAndPickCheaply(t *testing.T) {
	p := New(4, BlockSize, 4*BlockSize, seeded(2))
	p.PeerHasAll()
	p.PeerHasBitfield(bf(4, 0, 1, 3))
	require.Equal(t, 1, p.Availability(2))
	require.Equal(t, 2, p.Availability(0))
	// The seed is the only source of piece 2: rarest.
	require.Equal(t, []Block{{2, 0, BlockSize}}, p.Pick(7, nil, 1, nil))
	p.PeerLostAll()
	require.Equal(t, 0, p.Availability(2))
	p.PeerLost(bf(4, 0, 1, 3))
	require.Equal(t, 0, p.Availability(0))
	checkInvariants(t, p)
}

func TestPickerBreaksTiesRandomly(t *testing.T) {
	const n, runs = 10, 5000
	counts := make([]int, n)
	for r := range runs {
		p := New(n, BlockSize, n*BlockSize, seeded(uint64(r)))
		p.PeerHasBitfield(bf(n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9))
		// Shake the buckets so the tie-break is not just New's shuffle.
		p.PeerHasPiece(9)
		p.PeerLostPiece(9)
		got := p.Pick(1, ptr(bf(n, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)), 1, nil)
		counts[got[0].Piece]++
	}
	for i, c := range counts {
		// Expected 500 each; 5 sigma is ~106.
		require.InDelta(t, runs/n, c, 110, "piece %d picked %d times: %v", i, c, counts)
	}
}

func TestPickerPicksHigherPriorityFirstAndSkipsZero(t *testing.T) {
	p := New(6, BlockSize, 6*BlockSize, seeded(3))
	all := bf(6, 0, 1, 2, 3, 4, 5)
	p.PeerHasBitfield(all)
	p.PeerHasPiece(2) // 2 is more common but higher priority: still first
	p.SetPiecePriority(2, 7)
	p.SetPiecePriority(4, 5)
	p.SetPiecePriority(0, 0)
	p.SetPiecePriority(1, 0)
	p.SetPiecePriority(5, 1)
	require.Equal(t, 7, p.Priority(2))
	require.Equal(t, 4, p.WantedCount())
	got := p.Pick(1, ptr(all), 10, nil)
	require.Equal(t, []int{2, 4, 3, 5}, pieces(got))
	for _, b := range got {
		dup, _ := p.BlockReceived(1, b)
		require.False(t, dup)
		require.True(t, p.PieceBlocksDone(b.Piece))
		p.PieceVerified(b.Piece)
	}
	require.True(t, p.Complete(), "priority-0 pieces do not block completion")
	require.Zero(t, p.Left())
	require.Equal(t, 4, p.HaveCount())
	require.Empty(t, p.Pick(1, ptr(all), 10, nil))
	p.SetPiecePriority(0, 4)
	require.False(t, p.Complete())
	require.Equal(t, int64(BlockSize), p.Left())
	require.Equal(t, []int{0}, pieces(p.Pick(1, ptr(all), 10, nil)))
	checkInvariants(t, p)
}

func TestPickerSequentialPicksInIndexOrder(t *testing.T) {
	p := New(50, 2*BlockSize, 100*BlockSize, seeded(4))
	p.SetSequential(true)
	require.True(t, p.Sequential())
	has := bf(50)
	for i := 0; i < 50; i += 3 {
		has.Set(i)
	}
	p.PeerHasBitfield(has)
	p.PeerHasPiece(0) // availability does not matter in sequential mode
	got := p.Pick(1, &has, 6, nil)
	require.Equal(t, []int{0, 3, 6}, pieces(got))
	// Seeds walk the index order too, and priority still wins.
	p.SetPiecePriority(40, 6)
	p.PeerHasAll()
	got = p.Pick(2, nil, 6, nil)
	require.Equal(t, []int{40, 1, 2}, pieces(got))
	checkInvariants(t, p)
}

func TestPickerFinishesPartialPiecesFirst(t *testing.T) {
	p := New(10, 4*BlockSize, 40*BlockSize, seeded(5))
	p.PeerHasAll()
	p.PeerHasBitfield(bf(10, 7)) // make 7 the most common, so not rarest
	first := p.Pick(1, nil, 2, nil)
	require.Len(t, pieces(first), 1)
	started := first[0].Piece
	// Another peer finishes the started piece before opening a new one,
	// even though the started piece is not the rarest any more.
	p.PeerHasPiece(started)
	p.PeerHasPiece(started)
	got := p.Pick(2, nil, 3, nil)
	require.Equal(t, started, got[0].Piece)
	require.Equal(t, started, got[1].Piece)
	require.Equal(t, uint32(2*BlockSize), got[0].Begin)
	require.NotEqual(t, started, got[2].Piece)
	// A released block of a partial piece is taken before anything new.
	p.Cancelled(1, first[0])
	require.Equal(t, []Block{first[0]}, p.Pick(3, nil, 1, nil))
	require.Equal(t, 1, p.Outstanding(1))
	require.Len(t, p.SnapshotPartial(), 2)
	checkInvariants(t, p)
}

func TestPickerLastPieceIsShorterWithShortLastBlock(t *testing.T) {
	const total = 2*3*BlockSize + BlockSize + 100 // 3 pieces, last is 16484 bytes
	p := New(3, 3*BlockSize, total, seeded(6))
	require.Equal(t, int64(BlockSize+100), p.PieceSize(2))
	require.Equal(t, 2, p.BlocksInPiece(2))
	p.SetPiecePriority(0, 0)
	p.SetPiecePriority(1, 0)
	p.PeerHasAll()
	got := p.Pick(1, nil, 10, nil)
	require.Equal(t, []Block{{2, 0, BlockSize}, {2, BlockSize, 100}}, got)
	dup, _ := p.BlockReceived(1, Block{2, BlockSize, BlockSize})
	require.True(t, dup, "wrong length is rejected")
	dup, _ = p.BlockReceived(1, Block{2, 100, 100})
	require.True(t, dup, "unaligned begin is rejected")
	dup, _ = p.BlockReceived(1, Block{3, 0, BlockSize})
	require.True(t, dup, "piece out of range is rejected")
	for _, b := range got {
		dup, _ := p.BlockReceived(1, b)
		require.False(t, dup)
	}
	require.True(t, p.PieceBlocksDone(2))
	p.PieceVerified(2)
	require.True(t, p.Complete())
}

func TestPickerPieceLengthNotMultipleOfBlockSize(t *testing.T) {
	p := New(2, BlockSize+10, 2*BlockSize+15, seeded(7))
	p.PeerHasAll()
	got := p.Pick(1, nil, 10, nil)
	require.ElementsMatch(t, []Block{{0, 0, BlockSize}, {0, BlockSize, 10}, {1, 0, BlockSize}, {1, BlockSize, 5}}, got)
}

func TestPickerSinglePieceTorrent(t *testing.T) {
	p := New(1, 1<<20, 1000, seeded(8))
	require.Equal(t, 1, p.BlocksInPiece(0))
	require.Empty(t, p.Pick(1, ptr(bf(1)), 5, nil), "peer without the piece gets nothing")
	p.PeerHasBitfield(bf(1, 0))
	got := p.Pick(1, ptr(bf(1, 0)), 5, nil)
	require.Equal(t, []Block{{0, 0, 1000}}, got)
	require.True(t, p.InEndgame())
	// End-game: a second peer may duplicate the request, the first may not.
	require.Empty(t, p.Pick(1, ptr(bf(1, 0)), 5, nil))
	require.Equal(t, got, p.Pick(2, nil, 5, nil))
	dup, cancel := p.BlockReceived(2, got[0])
	require.False(t, dup)
	require.Equal(t, []PeerKey{1}, cancel)
	require.Zero(t, p.Outstanding(1))
	dup, cancel = p.BlockReceived(1, got[0])
	require.True(t, dup)
	require.Empty(t, cancel)
	p.PieceVerified(0)
	require.True(t, p.Complete())
	require.True(t, p.Have(0))
	checkInvariants(t, p)
}

func TestPickerEndgameDuplicatesFewestRequestsFirstAndCancels(t *testing.T) {
	p := New(2, 2*BlockSize, 4*BlockSize, seeded(9))
	p.PeerHasAll()
	a := p.Pick(1, nil, 3, nil)
	require.Len(t, a, 3)
	require.False(t, p.InEndgame())
	b := p.Pick(2, nil, 3, nil)
	require.Len(t, b, 3, "one free block, then two end-game duplicates")
	require.True(t, p.InEndgame())
	last := b[0]
	require.NotContains(t, a, last)
	require.Contains(t, a, b[1])
	require.Contains(t, a, b[2])
	// Peer 3 gets the block with the fewest requests first: the one only
	// peer 1 or only peer 2 asked for, never one asked by both.
	c := p.Pick(3, nil, 1, nil)
	require.Len(t, c, 1)
	require.NotEqual(t, b[1], c[0])
	require.NotEqual(t, b[2], c[0])
	// No block twice for the same peer.
	more := p.Pick(1, nil, 10, nil)
	for _, blk := range more {
		require.NotContains(t, a, blk)
	}
	dup, cancel := p.BlockReceived(2, b[1])
	require.False(t, dup)
	require.Equal(t, []PeerKey{1}, cancel)
	checkInvariants(t, p)
}

func TestPickerPeerGoneReleasesRequests(t *testing.T) {
	p := New(4, 2*BlockSize, 8*BlockSize, seeded(10))
	p.PeerHasAll()
	a := p.Pick(1, nil, 8, nil)
	require.Len(t, a, 8)
	require.Equal(t, 8, p.Outstanding(1))
	dup, _ := p.BlockReceived(1, a[0])
	require.False(t, dup)
	require.Equal(t, 7, p.Outstanding(1))
	p.PeerGone(1)
	require.Zero(t, p.Outstanding(1))
	b := p.Pick(2, nil, 10, nil)
	require.ElementsMatch(t, a[1:], b)
	require.False(t, p.InEndgame() && len(b) == 0)
	checkInvariants(t, p)
}

func TestPickerRejectedBlockIsPickedAgain(t *testing.T) {
	p := New(1, 2*BlockSize, 2*BlockSize, seeded(11))
	p.PeerHasAll()
	a := p.Pick(1, nil, 2, nil)
	p.Rejected(1, a[1])
	require.Equal(t, 1, p.Outstanding(1))
	require.Empty(t, p.Pick(1, nil, 1, nil), "not offered again to the peer that rejected it")
	require.Equal(t, []Block{a[1]}, p.Pick(2, nil, 1, nil))
	p.PeerGone(2)
	p.PeerGone(1)
	require.Len(t, p.Pick(1, nil, 2, nil), 2, "PeerGone forgets the rejections")
	checkInvariants(t, p)
}

func TestPickerForgetRejectionsOffersTheBlockAgain(t *testing.T) {
	p := New(1, 2*BlockSize, 2*BlockSize, seeded(11))
	p.PeerHasAll()
	a := p.Pick(1, nil, 2, nil)
	p.Rejected(1, a[1])
	require.Empty(t, p.Pick(1, nil, 1, nil))
	p.ForgetRejections(1)
	require.Equal(t, []Block{a[1]}, p.Pick(1, nil, 1, nil), "the only peer with the block is asked again")
	p.ForgetRejections(99) // unknown peer: no-op
	checkInvariants(t, p)
}

func TestPickerHashFailureRefetchesAndReportsContributors(t *testing.T) {
	p := New(2, 3*BlockSize, 6*BlockSize, seeded(12))
	p.SetPiecePriority(1, 0)
	p.PeerHasAll()
	a := p.Pick(1, nil, 2, nil)
	b := p.Pick(2, nil, 1, nil)
	require.Equal(t, []Block{{0, 2 * BlockSize, BlockSize}}, b)
	for _, blk := range a {
		p.BlockReceived(1, blk)
	}
	require.False(t, p.PieceBlocksDone(0))
	p.BlockReceived(2, b[0])
	require.True(t, p.PieceBlocksDone(0))
	require.Equal(t, []PeerKey{1, 2}, p.PieceFailed(0))
	require.False(t, p.PieceBlocksDone(0))
	require.False(t, p.Have(0))
	again := p.Pick(3, nil, 5, nil)
	require.Equal(t, append(a, b...), again)
	require.Nil(t, p.PieceFailed(1), "no partial, no contributors")
	checkInvariants(t, p)
}

func TestPickerUnrequestedBlockIsAccepted(t *testing.T) {
	p := New(2, BlockSize, 2*BlockSize, seeded(13))
	dup, cancel := p.BlockReceived(5, Block{1, 0, BlockSize})
	require.False(t, dup)
	require.Empty(t, cancel)
	require.True(t, p.PieceBlocksDone(1))
	p.PieceVerified(1)
	dup, _ = p.BlockReceived(5, Block{1, 0, BlockSize})
	require.True(t, dup)
	checkInvariants(t, p)
}

func TestPickerSetHaveDropsOutstandingRequests(t *testing.T) {
	p := New(2, BlockSize, 2*BlockSize, seeded(14))
	p.PeerHasAll()
	a := p.Pick(1, nil, 1, nil)
	p.SetHave(a[0].Piece)
	require.Zero(t, p.Outstanding(1))
	require.Equal(t, 1, p.HaveCount())
	checkInvariants(t, p)
}

func TestPickerSparsePeerUsesBitsetIntersection(t *testing.T) {
	const n = 5000
	p := New(n, BlockSize, n*BlockSize, seeded(15))
	dense := bf(n)
	dense.SetAll()
	for range 3 {
		p.PeerHasBitfield(dense)
	}
	// The sparse peer has two pieces past the scan limit of the rarest end;
	// piece 4000 is rarer than 4001.
	sparse := bf(n, 4000, 4001)
	p.PeerHasBitfield(sparse)
	p.PeerHasPiece(4001)
	// Every other piece has availability 3, so the rarest 4998 entries of
	// the bucket array are pieces the sparse peer lacks: the scan gives up.
	got := p.Pick(9, &sparse, 1, nil)
	require.Equal(t, []Block{{4000, 0, BlockSize}}, got)
	got = p.Pick(9, &sparse, 5, nil)
	require.Equal(t, []Block{{4001, 0, BlockSize}}, got)
	require.Empty(t, p.Pick(9, &sparse, 5, nil))
	checkInvariants(t, p)
}

func TestPickerShortBitfieldIsSafe(t *testing.T) {
	p := New(100, BlockSize, 100*BlockSize, seeded(16))
	short := bf(10, 9)
	p.PeerHasBitfield(short)
	require.Equal(t, []Block{{9, 0, BlockSize}}, p.Pick(1, &short, 5, nil))
	p.PeerHasPiece(-1)
	p.PeerHasPiece(100)
	p.SetPiecePriority(100, 1)
	require.Equal(t, 0, p.Availability(100))
	checkInvariants(t, p)
}

func TestPickerInterestingWhenPeerHasAWantedPieceWeLack(t *testing.T) {
	p := New(130, BlockSize, 130*BlockSize, seeded(17))
	has := bf(130, 3, 129)
	require.True(t, p.Interesting(&has))
	require.True(t, p.Interesting(nil))
	p.SetHave(3)
	require.True(t, p.Interesting(&has))
	p.SetPiecePriority(129, 0)
	require.False(t, p.Interesting(&has), "had or skipped pieces are not interesting")
	p.SetPiecePriority(129, 2)
	require.True(t, p.Interesting(&has))
	require.False(t, p.Interesting(ptr(bf(130))))
	for i := range 130 {
		p.SetHave(i)
	}
	require.False(t, p.Interesting(nil))
}

func TestPickerSequentialStillFinishesPartialPiecesFirst(t *testing.T) {
	p := New(10, 4*BlockSize, 40*BlockSize, seeded(18))
	p.SetSequential(true)
	p.PeerHasAll()
	first := p.Pick(1, nil, 2, nil)
	require.Equal(t, []int{0}, pieces(first))
	// A block of piece 5 arrives unrequested: piece 5 is now partial.
	dup, _ := p.BlockReceived(3, Block{5, 0, BlockSize})
	require.False(t, dup)
	got := p.Pick(2, nil, 6, nil)
	require.Equal(t, []int{0, 5, 1}, pieces(got))
	require.Len(t, got, 6)
	checkInvariants(t, p)
}

func TestPickerSeedWithAllowedFastSubsetGetsSeedOnlyPieces(t *testing.T) {
	p := New(600, BlockSize, 600*BlockSize, seeded(19))
	others := bf(600)
	for i := range 100 { // fewer than scanLimit: the scan alone decides
		others.Set(i)
	}
	p.PeerHasBitfield(others)
	p.PeerHasAll() // the seed is the only source of pieces 100-599
	fast := bf(600, 450, 451)
	got := p.Pick(1, &fast, 5, nil)
	require.ElementsMatch(t, []Block{{450, 0, BlockSize}, {451, 0, BlockSize}}, got)
	checkInvariants(t, p)
}
