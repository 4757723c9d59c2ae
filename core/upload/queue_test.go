package upload

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/picker"
	"github.com/stretchr/testify/require"
)

func blk(piece int) picker.Block {
	return picker.Block{Piece: piece, Length: picker.BlockSize}
}

func TestQueueRefusesRequestsPastItsLimitNamingIt(t *testing.T) {
	q := New(nil)
	for i := range 3 {
		require.NoError(t, q.Push(blk(i), 3))
	}
	err := q.Push(blk(3), 3)
	require.ErrorIs(t, err, limits.ErrLimit)
	var le *limits.Error
	require.True(t, errors.As(err, &le))
	require.Equal(t, LimitRequestQueue, le.Limit)
	require.Equal(t, int64(3), le.Max)
	require.Equal(t, 3, q.Queued())
}

func TestQueueStartsReadsOnlyUnderTheWatermark(t *testing.T) {
	var total atomic.Int64
	q := New(&total)
	for i := range 10 {
		require.NoError(t, q.Push(blk(i), 100))
	}
	// 40 KiB of room: three 16 KiB reads start (the third crosses the mark, as libtorrent's
	// "while below the watermark" loop does), the rest wait.
	got := q.Next(0, 40<<10, nil)
	require.Equal(t, []picker.Block{blk(0), blk(1), blk(2)}, got)
	require.Equal(t, int64(3*picker.BlockSize), q.Reading())
	require.Equal(t, int64(3*picker.BlockSize), total.Load())
	// The send buffer is full: nothing starts until it drains.
	require.Empty(t, q.Next(64<<10, 64<<10, nil))

	require.True(t, q.ReadDone(blk(0)))
	require.Equal(t, []picker.Block{blk(3)}, q.Next(0, 48<<10, nil))
	require.Equal(t, 6, q.Queued())
}

func TestQueueChargesTinyRequestsAWholeBlock(t *testing.T) {
	q := New(nil)
	for i := range 100 {
		require.NoError(t, q.Push(picker.Block{Piece: i, Length: 1}, 1000))
	}
	require.Len(t, q.Next(0, 64<<10, nil), 4, "1-byte requests get no more reads in flight than 16 KiB ones")
}

func TestQueueCancelWithdrawsQueuedAndReadingRequests(t *testing.T) {
	var total atomic.Int64
	q := New(&total)
	for i := range 4 {
		require.NoError(t, q.Push(blk(i), 100))
	}
	require.Equal(t, []picker.Block{blk(0)}, q.Next(0, 1, nil))
	require.True(t, q.Cancel(blk(0)), "being read")
	require.True(t, q.Cancel(blk(2)), "queued")
	require.False(t, q.Cancel(blk(9)))
	require.False(t, q.ReadDone(blk(0)), "a cancelled read's data is dropped")
	require.Zero(t, total.Load())
	require.Equal(t, []picker.Block{blk(1), blk(3)}, q.Next(0, 1<<20, nil))
}

func TestQueueClearReturnsEverythingStillWanted(t *testing.T) {
	q := New(nil)
	for i := range 4 {
		require.NoError(t, q.Push(blk(i), 100))
	}
	q.Next(0, 20<<10, nil) // 0 and 1 reading
	require.True(t, q.Cancel(blk(1)))
	require.ElementsMatch(t, []picker.Block{blk(0), blk(2), blk(3)}, q.Clear(nil))
	require.Zero(t, q.Queued())
	require.False(t, q.ReadDone(blk(0)))
	require.False(t, q.ReadDone(blk(1)))
	require.Zero(t, q.Reading())
}

func TestQueueMemoryStaysBoundedUnderPushAndReadChurn(t *testing.T) {
	q := New(nil)
	for i := range 40 {
		require.NoError(t, q.Push(blk(i), 50))
	}
	for i := range 100_000 {
		require.NoError(t, q.Push(blk(i), 50))
		for _, b := range q.Next(0, 1, nil) {
			q.ReadDone(b)
		}
	}
	require.Equal(t, 40, q.Queued())
	require.LessOrEqual(t, cap(q.queued), 128, "the consumed front is reused")
}

func TestWatermarkIsTheRateTimesTheFactorWithinBounds(t *testing.T) {
	require.Equal(t, int64(10<<10), Watermark(0, 50, 10<<10, 500<<10))
	require.Equal(t, int64(100<<10), Watermark(200<<10, 50, 10<<10, 500<<10))
	require.Equal(t, int64(500<<10), Watermark(100<<20, 50, 10<<10, 500<<10))
}
