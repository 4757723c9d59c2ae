package picker

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPickAloneFillsOnlyItsOwnPiecesUpToTheLimit(t *testing.T) {
	p := New(6, 4*BlockSize, 24*BlockSize, seeded(21))
	p.PeerHasAll()
	shared := p.Pick(1, nil, 2, nil) // a partial piece others work on
	got := p.PickAlone(2, nil, 100, 1, nil)
	require.Len(t, got, 4, "one whole piece of its own, nothing of the shared one")
	require.Len(t, pieces(got), 1)
	require.NotEqual(t, shared[0].Piece, got[0].Piece)
	require.Empty(t, p.PickAlone(2, nil, 100, 1, nil), "its one piece is all requested: no second piece")
	require.Equal(t, 1, p.Owned(2))

	// Received but unverified still counts against the limit; a verdict frees it.
	for _, b := range got {
		p.BlockReceived(2, b)
	}
	require.Empty(t, p.PickAlone(2, nil, 100, 1, nil))
	p.SetHave(got[0].Piece)
	next := p.PickAlone(2, nil, 100, 2, nil)
	require.Len(t, pieces(next), 2, "maxPieces 2")
	checkInvariants(t, p)
}

func TestOthersLeaveAParolePieceAloneWhileTheyHaveAnythingElse(t *testing.T) {
	p := New(3, 4*BlockSize, 12*BlockSize, seeded(22))
	p.PeerHasAll()
	alone := p.PickAlone(1, nil, 2, 1, nil) // half of a piece requested on parole
	require.Len(t, alone, 2)
	mine := alone[0].Piece
	other := p.Pick(2, nil, 8, nil)
	for _, b := range other {
		require.NotEqual(t, mine, b.Piece, "the two other pieces come first")
	}
	require.Len(t, other, 8)
	last := p.Pick(2, nil, 8, nil)
	require.GreaterOrEqual(t, len(last), 2, "with nothing else left it helps with the parole piece (end-game included)")
	for _, b := range last {
		require.Equal(t, mine, b.Piece)
	}
	checkInvariants(t, p)
}

func TestParolePieceIsEveryonesOnceItsOwnerIsGone(t *testing.T) {
	p := New(2, 4*BlockSize, 8*BlockSize, seeded(23))
	p.PeerHasAll()
	alone := p.PickAlone(1, nil, 1, 1, nil)
	p.BlockReceived(1, alone[0])
	p.PeerGone(1)
	got := p.Pick(2, nil, 3, nil)
	require.Len(t, got, 3)
	for _, b := range got {
		require.Equal(t, alone[0].Piece, b.Piece, "the abandoned partial is finished first again")
	}
	checkInvariants(t, p)
}

func TestPickAloneIgnoresPiecesThePeerLacks(t *testing.T) {
	p := New(4, 2*BlockSize, 8*BlockSize, seeded(24))
	has := bf(4, 2)
	p.PeerHasBitfield(has)
	got := p.PickAlone(1, &has, 10, 1, nil)
	require.Len(t, got, 2)
	require.Equal(t, 2, got[0].Piece)
}

func TestAdoptedPieceIsFinishedAloneByItsNewOwner(t *testing.T) {
	p := New(2, 4*BlockSize, 8*BlockSize, seeded(25))
	p.PeerHasAll()
	started := p.Pick(1, nil, 2, nil) // peer 1 starts piece X
	p.PickAlone(3, nil, 4, 1, nil)    // peer 3 owns the other piece
	require.Empty(t, p.PickAlone(2, nil, 4, 1, nil), "nothing fresh, nothing of its own")
	require.True(t, p.Adopt(2, nil))
	got := p.PickAlone(2, nil, 4, 1, nil)
	require.Len(t, got, 2)
	for _, b := range got {
		require.Equal(t, started[0].Piece, b.Piece)
	}
	require.False(t, p.Adopt(4, nil), "nothing left to adopt")
	checkInvariants(t, p)
}

func TestUnreceivedBlockIsPickedAgain(t *testing.T) {
	p := New(1, 4*BlockSize, 4*BlockSize, seeded(26))
	p.PeerHasAll()
	got := p.Pick(1, nil, 4, nil)
	for _, b := range got {
		p.BlockReceived(1, b)
	}
	require.True(t, p.PieceBlocksDone(0))
	require.True(t, p.Unreceive(0, 2))
	require.False(t, p.Unreceive(0, 2), "once")
	require.False(t, p.PieceBlocksDone(0))
	require.Equal(t, []Block{got[2]}, p.Pick(2, nil, 4, nil))
	require.False(t, p.Unreceive(5, 0))
	checkInvariants(t, p)
}
