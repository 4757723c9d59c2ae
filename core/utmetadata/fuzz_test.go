package utmetadata

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzParseMessage feeds ut_metadata payloads (the bencoded header plus trailing data) to the
// parser and, when they parse, to a Fetch that asked for them. Nothing may panic, an accepted
// message must re-encode to one that parses the same, and the Fetch may only answer with
// ErrBadMessage. Payloads are bounded by MaxMessageSize before decoding, so memory is too.
func FuzzParseMessage(f *testing.F) {
	f.Add([]byte("d8:msg_typei0e5:piecei0ee"))
	f.Add([]byte("d8:msg_typei1e5:piecei0e10:total_sizei5eehello"))
	f.Add([]byte("d8:msg_typei2e5:piecei1ee"))
	f.Add([]byte("d8:msg_typei1e5:piecei1e10:total_sizei16390eeabcdef"))
	f.Add([]byte("d8:msg_typei9e5:piecei0e3:zzzi1ee"))
	f.Add([]byte("d5:piecei0e8:msg_typei0ee"))
	f.Add([]byte("d8:msg_typei1e5:piecei-1e10:total_sizei5eehello"))
	info := []byte("hello")
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, err := ParseMessage(payload)
		if err != nil {
			require.ErrorIs(t, err, ErrBadMessage)
			return
		}
		again, err := ParseMessage(AppendMessage(nil, m))
		require.NoError(t, err)
		if len(again.Data) == 0 && len(m.Data) == 0 {
			again.Data, m.Data = nil, nil
		}
		require.Equal(t, m, again)
		require.True(t, m.Type != MsgData || bytes.HasSuffix(payload, m.Data))

		fetch := New(Config{MaxSize: 1 << 20})
		copy(fetch.cfg.InfoHash[:], "not the hash of info")
		if fetch.SetPeer(1, who("10.0.0.1", 1), max(m.TotalSize, len(info))) != nil {
			return
		}
		fetch.Requests(1, time.Unix(0, 0))
		switch m.Type {
		case MsgData:
			if _, err := fetch.Received(1, m, time.Unix(1, 0)); err != nil && !errors.Is(err, ErrBadMessage) {
				t.Fatal(err)
			}
		case MsgReject:
			fetch.Rejected(1, m.Piece, time.Unix(1, 0))
		}
		fetch.Requests(1, time.Unix(100, 0))
	})
}
