package smartban

import (
	"crypto/sha1"
	"fmt"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/require"
)

var (
	liar   = Peer(netip.MustParseAddr("10.0.0.1"))
	honest = Peer(netip.MustParseAddr("10.0.0.2"))
	other  = Peer(netip.MustParseAddr("10.0.0.3"))
	seed   = WebSeed("http://127.0.0.1/files/")
)

// good and bad are the digests of block bi of a piece as the good copy and as a liar has it.
func good(bi int) Digest { return sha1.Sum(fmt.Appendf(nil, "good %d", bi)) }
func bad(bi int) Digest  { return sha1.Sum(fmt.Appendf(nil, "bad %d", bi)) }

// receive records blocks of piece from the given senders, one per block, and returns the
// digests of what they sent (liars send bad blocks).
func receive(tr *Tracker, piece int, from ...Source) []Digest {
	out := make([]Digest, len(from))
	for bi, src := range from {
		tr.BlockReceived(piece, bi, len(from), src)
		out[bi] = good(bi)
		if src == liar {
			out[bi] = bad(bi)
		}
	}
	return out
}

func goodCopy(n int) []Digest {
	out := make([]Digest, n)
	for i := range out {
		out[i] = good(i)
	}
	return out
}

func convicted(v Verdict) []Source {
	var out []Source
	for _, c := range v.Convicted {
		out = append(out, c.Source)
	}
	return out
}

func TestSoleSenderOfAFailedPieceIsConvictedAtOnce(t *testing.T) {
	tr := New(Options{})
	v := tr.PieceFailed(3, receive(tr, 3, liar, liar, liar))
	require.Equal(t, []Source{liar}, convicted(v))
	require.Equal(t, -1, v.Convicted[0].Block)
	require.Contains(t, v.Convicted[0].Reason, "piece 3")
	require.Empty(t, v.Suspects)
	require.False(t, tr.WantsDigests(3), "nothing left to compare")
}

func TestGoodCopyConvictsExactlyTheSendersOfBadBlocks(t *testing.T) {
	tr := New(Options{})
	v := tr.PieceFailed(7, receive(tr, 7, honest, liar, honest, other))
	require.Equal(t, 1, tr.Failures(liar))
	require.Empty(t, v.Convicted)
	require.ElementsMatch(t, []Source{honest, liar, other}, v.Suspects)
	require.True(t, tr.Suspect(honest) && tr.Suspect(liar) && tr.Suspect(other))
	require.True(t, tr.WantsDigests(7))

	receive(tr, 7, other, other, other, honest) // the refetch, from others
	v = tr.PiecePassed(7, goodCopy(4))
	require.Equal(t, []Source{liar}, convicted(v))
	require.Equal(t, 1, v.Convicted[0].Block)
	require.Contains(t, v.Convicted[0].Reason, "block 1 of piece 7")
	require.ElementsMatch(t, []Source{honest, other}, v.Cleared)
	require.False(t, tr.Suspect(honest))
	require.False(t, tr.Suspect(other))
	require.False(t, tr.WantsDigests(7))
}

func TestSenderThatLeftIsStillConvictedByTheGoodCopy(t *testing.T) {
	tr := New(Options{})
	// The liar's connection is long gone when the piece fails: the record is by source.
	tr.PieceFailed(0, receive(tr, 0, liar, liar, honest))
	v := tr.PiecePassed(0, goodCopy(3))
	require.Equal(t, []Source{liar}, convicted(v))
}

func TestSameBlockSentTwiceWithDifferentDataConvictsWithoutAGoodCopy(t *testing.T) {
	tr := New(Options{})
	d := receive(tr, 2, honest, other)
	d[1] = bad(1) // other's block 1, first version
	tr.PieceFailed(2, d)
	d = receive(tr, 2, honest, other)
	d[1] = sha1.Sum([]byte("something else"))
	v := tr.PieceFailed(2, d)
	require.Equal(t, []Source{other}, convicted(v))
	require.Contains(t, v.Convicted[0].Reason, "twice with different data")
	require.True(t, tr.Suspect(honest), "honest sent the same data both times")
}

func TestSuspectFillingAPieceAloneIsClearedWhenItPasses(t *testing.T) {
	tr := New(Options{})
	tr.PieceFailed(1, receive(tr, 1, honest, liar))
	receive(tr, 5, honest, honest)
	v := tr.PiecePassed(5, nil)
	require.Equal(t, []Source{honest}, v.Cleared)
	require.False(t, tr.Suspect(honest))
	require.True(t, tr.Suspect(liar))
	require.True(t, tr.WantsDigests(1), "piece 1 is still compared when it passes")

	receive(tr, 6, liar, liar)
	v = tr.PieceFailed(6, []Digest{bad(0), bad(1)})
	require.Equal(t, []Source{liar}, convicted(v), "on parole, its bad piece convicts it alone")
	require.False(t, tr.Suspect(liar), "forgotten once convicted")
}

func TestSuspectStaysSuspectWhileAnotherFailedPieceHoldsIt(t *testing.T) {
	tr := New(Options{})
	tr.PieceFailed(1, receive(tr, 1, honest, liar))
	tr.PieceFailed(2, receive(tr, 2, liar, honest))
	receive(tr, 1, other, other)
	v := tr.PiecePassed(1, goodCopy(2))
	require.Equal(t, []Source{liar}, convicted(v))
	require.Empty(t, v.Cleared, "piece 2 is not resolved yet")
	require.True(t, tr.Suspect(honest))
	receive(tr, 2, other, other)
	v = tr.PiecePassed(2, goodCopy(2))
	require.Equal(t, []Source{liar}, convicted(v), "the session ignores a repeat")
	require.Equal(t, []Source{honest}, v.Cleared)
}

func TestWebSeedsAreSourcesLikePeers(t *testing.T) {
	tr := New(Options{})
	v := tr.PieceFailed(4, receive(tr, 4, seed, seed))
	require.Equal(t, []Source{seed}, convicted(v))
	require.True(t, seed.IsWebSeed())
	require.False(t, honest.IsWebSeed())
}

func TestPeerSourceIgnoresIPv4Mapping(t *testing.T) {
	require.Equal(t, Peer(netip.MustParseAddr("10.0.0.1")), Peer(netip.MustParseAddr("::ffff:10.0.0.1")))
}

func TestUnknownSenderKeepsTheOneKnownFromBeingConvicted(t *testing.T) {
	tr := New(Options{})
	tr.BlockReceived(0, 1, 2, honest) // block 0 came before the record started
	v := tr.PieceFailed(0, []Digest{good(0), good(1)})
	require.Empty(t, v.Convicted)
	require.Equal(t, []Source{honest}, v.Suspects)
}

func TestFailedDigestsAreBoundedOldestFirst(t *testing.T) {
	tr := New(Options{MaxDigestBlocks: 4})
	tr.PieceFailed(0, receive(tr, 0, honest, liar))
	tr.PieceFailed(1, receive(tr, 1, honest, liar))
	tr.PieceFailed(2, receive(tr, 2, honest, liar))
	require.False(t, tr.WantsDigests(0), "evicted")
	require.True(t, tr.WantsDigests(1))
	require.True(t, tr.WantsDigests(2))
	require.LessOrEqual(t, tr.held, 4)
	v := tr.PiecePassed(0, goodCopy(2))
	require.Empty(t, v.Convicted, "no evidence left for piece 0")
	require.True(t, tr.Suspect(liar), "but the liar stays on parole")
}

func TestSourcesWithAStandingAreBounded(t *testing.T) {
	tr := New(Options{MaxSources: 3})
	for i := range 10 {
		a := Peer(netip.AddrFrom4([4]byte{10, 1, 0, byte(i)}))
		b := Peer(netip.AddrFrom4([4]byte{10, 2, 0, byte(i)}))
		tr.PieceFailed(i, receive(tr, i, a, b))
	}
	require.LessOrEqual(t, len(tr.standing), 3)
}

func TestResetForgetsPiecesInProgressAndFailedAttempts(t *testing.T) {
	tr := New(Options{})
	tr.PieceFailed(1, receive(tr, 1, honest, liar))
	receive(tr, 2, liar, liar)
	tr.Reset()
	require.False(t, tr.WantsDigests(1))
	require.Nil(t, tr.Senders(2))
	require.Zero(t, tr.held)
	require.True(t, tr.Suspect(liar))
}

func TestVerifiedBlocksAreCountedPerSource(t *testing.T) {
	tr := New(Options{})
	receive(tr, 0, honest, honest, other)
	tr.PiecePassed(0, nil)
	require.Equal(t, 2, tr.Verified(honest))
	require.Equal(t, 1, tr.Verified(other))
	require.Zero(t, tr.Verified(liar))
}

func TestWithdrawnBlocksOfAConvictedSourceLeaveItsPieces(t *testing.T) {
	tr := New(Options{})
	receive(tr, 1, liar, honest, liar)
	receive(tr, 2, liar, liar)
	receive(tr, 3, honest)
	got := tr.Withdraw(liar, func(piece int) bool { return piece == 2 })
	require.Equal(t, map[int][]int{1: {0, 2}}, got)
	require.Equal(t, []Source{honest}, tr.Senders(1))
	require.Equal(t, []Source{liar}, tr.Senders(2), "a piece being hashed is kept")
}
