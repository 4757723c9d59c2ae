package utmetadata

import (
	"testing"

	"github.com/libbt/libbt/core/limits"
	"github.com/stretchr/testify/require"
)

func TestParseMessageReadsLibtorrentsEncoding(t *testing.T) {
	m, err := ParseMessage([]byte("d8:msg_typei1e5:piecei2e10:total_sizei34256eexyz"))
	require.NoError(t, err)
	require.Equal(t, Message{Type: MsgData, Piece: 2, TotalSize: 34256, Data: []byte("xyz")}, m)

	m, err = ParseMessage([]byte("d8:msg_typei0e5:piecei7ee"))
	require.NoError(t, err)
	require.Equal(t, Message{Type: MsgRequest, Piece: 7}, m)

	m, err = ParseMessage([]byte("d8:msg_typei2e5:piecei0e10:total_sizei9ee"))
	require.NoError(t, err)
	require.Equal(t, Message{Type: MsgReject, TotalSize: 9}, m, "libtorrent sends total_size in rejects too")
}

func TestParseMessageRefusesMissingOrOutOfRangeKeys(t *testing.T) {
	for _, in := range []string{
		"", "le", "d5:piecei0ee", "d8:msg_typei0ee", "d8:msg_type1:05:piecei0ee",
		"d8:msg_typei0e5:piecei-1ee", "d8:msg_typei0e5:piecei2147483648ee",
		"d8:msg_typei1e5:piecei0e10:total_sizei-5ee", "d8:msg_typei1e5:piecei0e10:total_size1:xe",
	} {
		_, err := ParseMessage([]byte(in))
		require.ErrorIs(t, err, ErrBadMessage, in)
	}
}

func TestParseMessageRefusesAMessageOver17KiB(t *testing.T) {
	payload := AppendMessage(nil, Message{Type: MsgData, TotalSize: 1 << 20, Data: make([]byte, MaxMessageSize)})
	_, err := ParseMessage(payload)
	require.ErrorIs(t, err, ErrBadMessage)
	require.ErrorIs(t, err, limits.ErrLimit)

	payload = AppendMessage(nil, Message{Type: MsgData, TotalSize: 1 << 20, Data: make([]byte, PieceSize)})
	m, err := ParseMessage(payload)
	require.NoError(t, err)
	require.Len(t, m.Data, PieceSize)
}

func TestAppendMessageRoundTrips(t *testing.T) {
	for _, m := range []Message{
		{Type: MsgRequest, Piece: 3},
		{Type: MsgReject, Piece: 1},
		{Type: MsgData, Piece: 0, TotalSize: 5, Data: []byte("hello")},
	} {
		got, err := ParseMessage(AppendMessage(nil, m))
		require.NoError(t, err)
		require.Equal(t, m, got)
	}
}
