package webseed

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func testBlocks(ctx context.Context, lengths []int, got map[int][]byte, batches *int) *Blocks {
	return &Blocks{Ctx: ctx, Lengths: lengths, BatchBytes: 10,
		GetBuf: func(n int) []byte { return make([]byte, n) }, PutBuf: func([]byte) {},
		RateWait: func(int, <-chan struct{}) {}, Congested: func() bool { return false },
		Uncongested: func() <-chan struct{} { return nil },
		Deliver: func(first int, bufs [][]byte) {
			*batches++
			for i, b := range bufs {
				got[first+i] = b
			}
		}}
}

func TestBlocksCutTheStreamIntoItsBlocksInBatches(t *testing.T) {
	got, batches := map[int][]byte{}, 0
	s := testBlocks(context.Background(), []int{4, 4, 4, 3}, got, &batches)
	data := []byte("aaaabbbbccccddd")
	n, err := s.ReadFrom(bytes.NewReader(data[:6])) // a body cut mid-block
	require.NoError(t, err)
	require.Equal(t, int64(6), n)
	_, err = s.Write(data[6:])
	require.NoError(t, err)
	s.Close()
	require.Equal(t, map[int][]byte{0: []byte("aaaa"), 1: []byte("bbbb"), 2: []byte("cccc"), 3: []byte("ddd")}, got)
	require.Equal(t, 2, batches, "12 bytes make a batch of 10 or more; the last block comes with Close")
}

func TestBlocksRefuseMoreDataThanAskedForAndStopWithTheJob(t *testing.T) {
	got, batches := map[int][]byte{}, 0
	s := testBlocks(context.Background(), []int{2}, got, &batches)
	_, err := s.ReadFrom(bytes.NewReader([]byte("abc")))
	require.ErrorIs(t, err, ErrOverrun)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s = testBlocks(ctx, []int{2}, got, &batches)
	_, err = s.Write([]byte("ab"))
	require.ErrorIs(t, err, context.Canceled)
}
