package peerconn

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// pair is a Conn on one end of a pipe, its loops running, delivering into a channel.
func pair(t *testing.T, sendLimit int) (*Conn, net.Conn, chan []*peerwire.Message, chan error, *atomic.Int64) {
	a, b := net.Pipe()
	batches, gone := make(chan []*peerwire.Message, 64), make(chan error, 1)
	var bytes atomic.Int64
	done := make(chan struct{})
	c := New(a, Config{
		SendLimit:    sendLimit,
		SendBytes:    &bytes,
		Done:         done,
		Deliver:      func(batch []*peerwire.Message) bool { batches <- batch; return true },
		Disconnected: func(err error) { gone <- err },
	})
	guard.Go("test writer", c.WriteLoop, nil)
	guard.Go("test reader", c.ReadLoop, nil)
	t.Cleanup(func() { close(done); c.Close(); b.Close() })
	return c, b, batches, gone, &bytes
}

func TestSentMessagesReachThePeerAndReceivedOnesTheOwner(t *testing.T) {
	c, peer, batches, _, bytes := pair(t, 1<<20)
	c.SendMessage(&peerwire.Message{ID: peerwire.Have, Index: 7})
	r := peerwire.NewReader(peer, peerwire.DefaultMaxMessage)
	var m peerwire.Message
	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, peerwire.Have, m.ID)
	require.Equal(t, uint32(7), m.Index)
	require.Eventually(t, func() bool { return bytes.Load() == 0 && c.Buffered() == 0 }, time.Second, time.Millisecond,
		"written bytes leave the count")

	before := c.LastReceived()
	_, err := peer.Write(peerwire.AppendMessage(nil, &peerwire.Message{ID: peerwire.Interested}))
	require.NoError(t, err)
	batch := <-batches
	require.Len(t, batch, 1)
	require.Equal(t, peerwire.Interested, batch[0].ID)
	require.False(t, c.LastReceived().Before(before))
}

func TestAPeerThatDoesNotReadIsDisconnectedAtTheSendLimit(t *testing.T) {
	c, _, _, gone, bytes := pair(t, 1000) // the peer end never reads: the first write blocks
	for range 200 {
		c.SendMessage(&peerwire.Message{ID: peerwire.Have, Index: 1}) // 9 bytes each: 1,800 in all
	}
	err := <-gone
	var le *limits.Error
	require.True(t, errors.As(err, &le), "%v", err)
	require.Equal(t, "send_buffer_backlog", le.Limit)
	require.LessOrEqual(t, c.Buffered(), int64(1000))
	require.Eventually(t, func() bool { return bytes.Load() == 0 }, time.Second, time.Millisecond,
		"a closed writer releases what it held")
}

func TestTheReaderReportsWhyItStopped(t *testing.T) {
	_, peer, _, gone, _ := pair(t, 1<<20)
	peer.Close()
	require.ErrorIs(t, <-gone, io.EOF)
}
