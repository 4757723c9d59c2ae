package inflight

import (
	"testing"
	"time"

	"github.com/libbt/libbt/core/picker"
	"github.com/stretchr/testify/require"
)

var t0 = time.Unix(1_000_000, 0)

func blk(piece int) picker.Block { return picker.Block{Piece: piece, Length: picker.BlockSize} }

const (
	pieceTimeout   = 20 * time.Second
	requestTimeout = 60 * time.Second
)

func TestNoTimeoutWithoutLiveRequests(t *testing.T) {
	r := New(t0)
	_, expired := r.Expired(t0.Add(time.Hour), pieceTimeout, requestTimeout)
	require.False(t, expired)
}

func TestPieceTimeoutFiresWhenNothingArrives(t *testing.T) {
	r := New(t0)
	r.Add(blk(1), t0)
	_, expired := r.Expired(t0.Add(pieceTimeout), pieceTimeout, requestTimeout)
	require.False(t, expired)
	why, expired := r.Expired(t0.Add(pieceTimeout+time.Second), pieceTimeout, requestTimeout)
	require.True(t, expired)
	require.Equal(t, "piece_timeout", why)
}

func TestRequestTimeoutAdaptsToThePeersUsualPace(t *testing.T) {
	r := New(t0)
	now := t0
	for i := range 30 {
		r.Add(blk(i), now)
		now = now.Add(100 * time.Millisecond)
		requested, live := r.Received(blk(i), now, requestTimeout)
		require.True(t, requested)
		require.True(t, live)
	}
	require.Equal(t, 2*time.Second, r.RequestTimeout(requestTimeout), "a fast peer gets the 2 s floor")
	r.Add(blk(99), now)
	_, expired := r.Expired(now.Add(2*time.Second), pieceTimeout, requestTimeout)
	require.False(t, expired)
	why, expired := r.Expired(now.Add(3*time.Second), pieceTimeout, requestTimeout)
	require.True(t, expired)
	require.Equal(t, "request_timeout", why)
}

func TestRequestTimeoutNeverExceedsTheSetting(t *testing.T) {
	r := New(t0)
	r.Add(blk(0), t0)
	r.Received(blk(0), t0.Add(10*time.Minute), requestTimeout)
	require.Equal(t, requestTimeout, r.RequestTimeout(requestTimeout))
}

func TestTimedOutRequestStillAcceptsALateBlock(t *testing.T) {
	r := New(t0)
	r.Add(blk(1), t0)
	r.Add(blk(2), t0)
	require.ElementsMatch(t, []picker.Block{blk(1), blk(2)}, r.TimeOut(t0.Add(time.Minute), nil))
	require.Zero(t, r.Live())
	require.True(t, r.Snubbed())
	requested, live := r.Received(blk(1), t0.Add(61*time.Second), requestTimeout)
	require.True(t, requested, "a late block is not thrown away")
	require.False(t, live, "but the picker no longer counts it as this peer's")
	require.False(t, r.Snubbed(), "a block in time ends the snub")
	requested, _ = r.Received(blk(7), t0.Add(61*time.Second), requestTimeout)
	require.False(t, requested)
}

func TestAskingAgainAfterATimeoutCancelsTheOldRequestFirst(t *testing.T) {
	r := New(t0)
	r.Add(blk(1), t0)
	r.TimeOut(t0.Add(time.Minute), nil)
	require.True(t, r.Add(blk(1), t0.Add(time.Minute)), "the old request is cancelled before the new one")
	require.Equal(t, 1, r.Live())
	// The peer answers the cancel with a reject (it still had the request queued): that is
	// not a refusal of the new request.
	require.False(t, r.Rejected(blk(1)))
	require.Equal(t, 1, r.Live())
	require.True(t, r.Has(blk(1)))
	// A second reject is of the new request.
	require.True(t, r.Rejected(blk(1)))
	require.Zero(t, r.Live())
}

func TestCancelledThenRequestedAgainIgnoresTheRejectOfTheCancel(t *testing.T) {
	r := New(t0)
	r.Add(blk(3), t0)
	requested, live := r.Cancel(blk(3), t0)
	require.True(t, requested)
	require.True(t, live)
	require.False(t, r.Add(blk(3), t0))
	require.False(t, r.Rejected(blk(3)), "answers the cancel")
	requested, live = r.Received(blk(3), t0.Add(time.Second), requestTimeout)
	require.True(t, requested)
	require.True(t, live)
}

func TestClearReturnsTheLiveRequests(t *testing.T) {
	r := New(t0)
	r.Add(blk(1), t0)
	r.Add(blk(2), t0)
	r.TimeOut(t0, nil)
	r.Add(blk(3), t0)
	require.Equal(t, []picker.Block{blk(3)}, r.Clear(nil, true, t0))
	require.Zero(t, r.Live())
	require.False(t, r.Has(blk(1)))
}

func TestForgetBoundsWhatIsRemembered(t *testing.T) {
	r := New(t0)
	for i := range MaxRemembered + 100 {
		r.Add(blk(i), t0.Add(time.Duration(i)))
	}
	r.TimeOut(t0, nil)
	for i := range MaxRemembered + 100 {
		r.Cancel(blk(10_000+i), t0) // not requested: nothing to remember
		r.Add(blk(20_000+i), t0)
		r.Cancel(blk(20_000+i), t0)
	}
	require.LessOrEqual(t, len(r.cancelled), MaxRemembered)
	r.Forget(t0.Add(time.Second), time.Minute)
	require.Len(t, r.reqs, MaxRemembered)
	r.Forget(t0.Add(2*time.Minute), time.Minute)
	require.Empty(t, r.reqs)
	require.Empty(t, r.cancelled)
}

func TestDropPieceForgetsThatPiecesRequests(t *testing.T) {
	r := New(t0)
	r.Add(picker.Block{Piece: 1, Begin: 0, Length: picker.BlockSize}, t0)
	r.Add(picker.Block{Piece: 1, Begin: picker.BlockSize, Length: picker.BlockSize}, t0)
	r.Add(blk(2), t0)
	require.Len(t, r.DropPiece(1, nil), 2)
	require.Equal(t, 1, r.Live())
	require.True(t, r.Has(blk(2)))
}
