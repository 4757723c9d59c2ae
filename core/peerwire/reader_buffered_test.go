package peerwire

import (
	"bytes"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestMessageBufferedSaysWhetherReadMessageWouldWait(t *testing.T) {
	stream := AppendHave(AppendSimple(nil, Unchoke), 7)
	r := NewReader(bytes.NewReader(stream), 0)
	require.False(t, r.MessageBuffered(), "nothing read from the connection yet")
	var m Message
	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, Unchoke, m.ID)
	require.True(t, r.MessageBuffered(), "the have message came in the same read")

	half := NewReader(iotest.OneByteReader(bytes.NewReader(stream)), 0)
	require.NoError(t, half.ReadMessage(&m))
	require.False(t, half.MessageBuffered(), "only part of the have message has arrived")
}
