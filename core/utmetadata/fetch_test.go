package utmetadata

import (
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/libbt/libbt/core/limits"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func testInfo(size int) []byte {
	r := rand.New(rand.NewPCG(uint64(size), 1))
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func newTestFetch(info []byte) *Fetch {
	return New(Config{InfoHash: sha1.Sum(info), MaxSize: 1 << 20})
}

func who(ip string, id byte) Peer {
	return Peer{Addr: netip.AddrPortFrom(netip.MustParseAddr(ip), 6881), ID: [20]byte{id}}
}

// data builds the data message for piece i of info.
func data(info []byte, i int) Message {
	end := min((i+1)*PieceSize, len(info))
	return Message{Type: MsgData, Piece: i, TotalSize: len(info), Data: info[i*PieceSize : end]}
}

func wrong(info []byte, i int) Message {
	m := data(info, i)
	m.Data = make([]byte, len(m.Data))
	return m
}

// answer gives peer k every piece it was asked for from src, until the fetch ends or k is
// asked nothing more; it returns the last result.
func answer(t *testing.T, f *Fetch, k PeerKey, src []byte, now time.Time) Result {
	t.Helper()
	var res Result
	for range 1000 {
		asked := f.Requests(k, now)
		if len(asked) == 0 {
			return res
		}
		for _, i := range asked {
			var err error
			res, err = f.Received(k, data(src, i), now)
			require.NoError(t, err)
			if res.Metadata != nil || res.Failed {
				return res
			}
		}
	}
	t.Fatal("the fetch did not end")
	return res
}

func TestFetchAsksAtMostTwoPiecesPerPeerAndCompletes(t *testing.T) {
	info := testInfo(3*PieceSize + 100)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	a, b := f.Requests(1, t0), f.Requests(2, t0)
	require.Len(t, a, MaxRequestsPerPeer)
	require.Len(t, b, MaxRequestsPerPeer)
	require.ElementsMatch(t, []int{0, 1, 2, 3}, append(a, b...), "no piece is asked twice while its request is live")
	var res Result
	for _, i := range a {
		res, _ = f.Received(1, data(info, i), t0)
	}
	for _, i := range b {
		res, _ = f.Received(2, data(info, i), t0)
	}
	require.Equal(t, info, res.Metadata)
	require.Empty(t, res.Liars)
	require.True(t, f.Done())
}

func TestFetchReasksATimedOutPieceOfAnotherPeer(t *testing.T) {
	info := testInfo(2 * PieceSize)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	require.Len(t, f.Requests(1, t0), 2) // peer 1 keeps them and only sends keep-alives
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	require.Empty(t, f.Requests(2, t0.Add(time.Second)), "both pieces have a live request")
	later := t0.Add(RequestTimeout)
	res := answer(t, f, 2, info, later)
	require.Equal(t, info, res.Metadata)
}

func TestFetchTakesALateAnswerWhilePiecesAreMixed(t *testing.T) {
	info := testInfo(2 * PieceSize)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	asked := f.Requests(1, t0)
	late := t0.Add(10 * time.Second)
	require.Empty(t, f.Requests(1, late), "the stalled peer's slots are full")
	_, err := f.Received(1, data(info, asked[0]), late)
	require.NoError(t, err)
	res, err := f.Received(1, data(info, asked[1]), late)
	require.NoError(t, err)
	require.Equal(t, info, res.Metadata)
}

func TestFetchDoesNotAskAStalledPeerWhileAnotherIsGood(t *testing.T) {
	info := testInfo(6 * PieceSize)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	f.Requests(1, t0)
	// Peer 1 answers nothing; long after, its slots are freed but it stays stalled.
	later := t0.Add(forgetAfter)
	require.Empty(t, f.Requests(1, later))
	require.NotEmpty(t, f.Requests(2, later))
}

func TestFetchAsksAgainAPeerThatDroppedRequestsWhenItIsTheOnlyOne(t *testing.T) {
	info := testInfo(PieceSize)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	require.Equal(t, []int{0}, f.Requests(1, t0))
	require.Equal(t, []int{0}, f.Requests(1, t0.Add(forgetAfter)), "the dropped request is asked again")
}

func TestFetchGivesARejectedPieceToAnotherPeerAndRestsTheRejecter(t *testing.T) {
	info := testInfo(PieceSize)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	require.Equal(t, []int{0}, f.Requests(1, t0))
	require.Empty(t, f.Requests(2, t0))
	f.Rejected(1, 0, t0)
	require.Equal(t, []int{0}, f.Requests(2, t0))
	require.Empty(t, f.Requests(1, t0.Add(RejectBackoff-time.Second)))
	f.PeerGone(2)
	require.Equal(t, []int{0}, f.Requests(1, t0.Add(RejectBackoff)))
}

func TestFetchTakesTheSizeMostPeersReport(t *testing.T) {
	info := testInfo(PieceSize + 1)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), 5*PieceSize))
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	require.NoError(t, f.SetPeer(3, who("10.0.0.3", 3), len(info)))
	require.Empty(t, f.Requests(1, t0), "the odd size is not asked")
	require.Equal(t, len(info), f.Size())
	res := answer(t, f, 2, info, t0)
	require.Equal(t, info, res.Metadata)
}

func TestFetchSizeTieKeepsTheCurrentCopyUntilItsPeerStalls(t *testing.T) {
	info := testInfo(PieceSize + 1)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)+7)) // only keep-alives
	require.Len(t, f.Requests(1, t0), 2)
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	require.Empty(t, f.Requests(2, t0), "one vote each: the copy in progress stays")
	res := answer(t, f, 2, info, t0.Add(RequestTimeout))
	require.Equal(t, info, res.Metadata, "the stalled peer lost its vote")
}

func TestFetchRefusesASizeOverMaxMetadataSize(t *testing.T) {
	f := New(Config{MaxSize: 1 << 20})
	err := f.SetPeer(1, who("10.0.0.1", 1), 1<<30)
	var le *limits.Error
	require.ErrorAs(t, err, &le)
	require.Equal(t, "max_metadata_size", le.Limit)
	require.EqualValues(t, 1<<30, le.Value)
	require.EqualValues(t, 1<<20, le.Max)
	require.Empty(t, f.Requests(1, t0))
	require.Zero(t, f.Size())
	require.Equal(t, DefaultMaxSize, New(Config{}).cfg.MaxSize)
}

func TestFetchBlamesTheSingleSenderOfABadCopyAndNeverAsksItAgain(t *testing.T) {
	info := testInfo(2 * PieceSize)
	f := newTestFetch(info)
	liar := who("10.0.0.1", 1)
	require.NoError(t, f.SetPeer(1, liar, len(info)))
	var res Result
	for _, i := range f.Requests(1, t0) {
		res, _ = f.Received(1, wrong(info, i), t0)
	}
	require.True(t, res.Failed)
	require.Equal(t, []Peer{liar}, res.Liars)
	require.Empty(t, f.Requests(1, t0))
	require.NoError(t, f.SetPeer(2, who("10.0.0.1", 9), len(info)))
	require.Empty(t, f.Requests(2, t0), "the same IP with another peer id")
	require.NoError(t, f.SetPeer(3, who("10.0.0.9", 1), len(info)))
	require.Empty(t, f.Requests(3, t0), "the same peer id from another IP")
	require.NoError(t, f.SetPeer(4, who("10.0.0.4", 4), len(info)))
	require.Equal(t, info, answer(t, f, 4, info, t0).Metadata)
}

// The attack from issue 9: a liar sends a wrong piece and leaves before the last one; the honest
// peer completes the copy, which fails. The honest peer must not be blamed.
func TestFetchFindsTheLiarThatLeftAndNeverBlamesTheHonestPeer(t *testing.T) {
	info := testInfo(4*PieceSize + 10)
	f := newTestFetch(info)
	liar, honest := who("10.0.0.1", 1), who("10.0.0.2", 2)
	require.NoError(t, f.SetPeer(1, liar, len(info)))
	asked := f.Requests(1, t0)
	_, err := f.Received(1, wrong(info, asked[0]), t0)
	require.NoError(t, err)
	f.PeerGone(1)

	require.NoError(t, f.SetPeer(2, honest, len(info)))
	res := answer(t, f, 2, info, t0)
	require.True(t, res.Failed)
	require.Empty(t, res.Liars, "a mixed copy names nobody")

	res = answer(t, f, 2, info, t0)
	require.Equal(t, info, res.Metadata, "the honest peer's own copy")
	require.Equal(t, []Peer{liar}, res.Liars)
}

func TestFetchAfterAMixedFailureTakesEachCopyFromOnePeer(t *testing.T) {
	info := testInfo(4 * PieceSize)
	f := newTestFetch(info)
	liar, honest := who("10.0.0.1", 1), who("10.0.0.2", 2)
	require.NoError(t, f.SetPeer(1, liar, len(info)))
	require.NoError(t, f.SetPeer(2, honest, len(info)))
	var res Result
	for !res.Failed {
		for _, i := range f.Requests(1, t0) {
			res, _ = f.Received(1, wrong(info, i), t0)
		}
		for _, i := range f.Requests(2, t0) {
			res, _ = f.Received(2, data(info, i), t0)
		}
	}
	require.Empty(t, res.Liars)
	// From now on one source at a time; whoever it is, the honest peer is never named.
	var named []Peer
	for i := 0; res.Metadata == nil; i++ {
		require.Less(t, i, 100)
		a, b := f.Requests(1, t0), f.Requests(2, t0)
		require.False(t, len(a) > 0 && len(b) > 0, "a copy has one sender")
		for _, i := range a {
			res, _ = f.Received(1, wrong(info, i), t0)
			named = append(named, res.Liars...)
		}
		for _, i := range b {
			res, _ = f.Received(2, data(info, i), t0)
			named = append(named, res.Liars...)
		}
	}
	require.Equal(t, info, res.Metadata)
	require.Equal(t, []Peer{liar}, named)
}

func TestFetchSwitchesFromAStalledSourceAndKeepsOneSenderPerCopy(t *testing.T) {
	info := testInfo(3 * PieceSize)
	f := newTestFetch(info)
	f.single = true // as after a mixed failure
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	require.NoError(t, f.SetPeer(2, who("10.0.0.2", 2), len(info)))
	first := f.Requests(1, t0)
	require.NotEmpty(t, first)
	require.Empty(t, f.Requests(2, t0))
	_, err := f.Received(1, data(info, first[0]), t0)
	require.NoError(t, err)
	later := t0.Add(RequestTimeout)
	res := answer(t, f, 2, info, later)
	require.Equal(t, info, res.Metadata)
	// Peer 1's late answer to the discarded copy was not mixed in: it is ignored.
	_, err = f.Received(1, data(info, first[1]), later)
	require.NoError(t, err)
}

func TestFetchNamesPeersOfAFailedCopyOfAnotherSize(t *testing.T) {
	info := testInfo(PieceSize + 5)
	f := newTestFetch(info)
	s1, s2 := who("10.0.0.1", 1), who("10.0.0.2", 2)
	fake := testInfo(3 * PieceSize)
	require.NoError(t, f.SetPeer(1, s1, len(fake)))
	require.NoError(t, f.SetPeer(2, s2, len(fake)))
	var res Result
	for !res.Failed {
		for _, k := range []PeerKey{1, 2} {
			for _, i := range f.Requests(k, t0) {
				res, _ = f.Received(k, data(fake, i), t0)
			}
		}
	}
	f.PeerGone(1)
	f.PeerGone(2)
	require.NoError(t, f.SetPeer(3, who("10.0.0.3", 3), len(info)))
	res = answer(t, f, 3, info, t0)
	require.Equal(t, info, res.Metadata)
	require.ElementsMatch(t, []Peer{s1, s2}, res.Liars)
}

func TestFetchRejectsBadDataMessages(t *testing.T) {
	info := testInfo(2 * PieceSize)
	f := newTestFetch(info)
	require.NoError(t, f.SetPeer(1, who("10.0.0.1", 1), len(info)))
	res, err := f.Received(1, data(info, 0), t0)
	require.NoError(t, err)
	require.Equal(t, Result{}, res, "unsolicited: ignored")
	asked := f.Requests(1, t0)
	m := data(info, asked[0])
	m.TotalSize++
	_, err = f.Received(1, m, t0)
	require.ErrorIs(t, err, ErrBadMessage)
	m = data(info, asked[1])
	m.Data = m.Data[1:]
	_, err = f.Received(1, m, t0)
	require.ErrorIs(t, err, ErrBadMessage)
}

func TestFetchHoldsOneBufferOfTheAgreedSize(t *testing.T) {
	info := testInfo(5*PieceSize + 3)
	f := newTestFetch(info)
	for k := range PeerKey(20) {
		require.NoError(t, f.SetPeer(k+1, who(fmt.Sprintf("10.0.1.%d", k), byte(k)), len(info)))
	}
	require.Nil(t, f.buf, "nothing allocated before the first piece")
	asked := f.Requests(1, t0)
	_, err := f.Received(1, data(info, asked[0]), t0)
	require.NoError(t, err)
	require.Equal(t, len(info), cap(f.buf))
	f.Received(1, data(info, asked[1]), t0)
	for k := range PeerKey(20) {
		for _, i := range f.Requests(k+1, t0) {
			f.Received(k+1, data(info, i), t0)
		}
	}
	require.True(t, f.Done())
	require.Nil(t, f.buf, "the metadata is handed over, not kept")
}

func TestFetchRejectersDoNotOutvoteTheHonestPeerAfterTheirRest(t *testing.T) {
	info := testInfo(2*PieceSize + 9)
	f := newTestFetch(info)
	for k := PeerKey(1); k <= 2; k++ { // two peers of another size that reject everything
		require.NoError(t, f.SetPeer(k, who(fmt.Sprintf("10.0.0.%d", k), byte(k)), len(info)+100))
	}
	for k := PeerKey(1); k <= 2; k++ {
		for _, i := range f.Requests(k, t0) {
			f.Rejected(k, i, t0)
		}
	}
	require.NoError(t, f.SetPeer(3, who("10.0.0.3", 3), len(info)))
	require.NotEmpty(t, f.Requests(3, t0))
	require.Equal(t, len(info), f.Size())
	afterRest := t0.Add(RejectBackoff)
	for k := PeerKey(1); k <= 2; k++ {
		require.Empty(t, f.Requests(k, afterRest))
	}
	require.Equal(t, len(info), f.Size(), "the copy in progress is kept")
}
