package peerwire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func addMessageSeeds(f *testing.F) {
	msgs := sampleMessages()
	for i := range msgs {
		f.Add(AppendMessage(nil, &msgs[i]))
	}
	f.Add([]byte{0, 0, 0, 4, 4, 0, 0, 1})                  // have with 3 bytes
	f.Add([]byte{0xFF, 0xFF, 0xFF, 0xFF, 5})               // huge length
	f.Add([]byte{0, 0, 0, 1, 20})                          // extended without id
	f.Add(AppendPieceHeader(nil, 1, 2, DefaultMaxBlock+1)) // oversized block
}

// FuzzParseMessage checks that any accepted frame re-encodes to the same
// bytes (the encoding is canonical) and that nothing panics.
func FuzzParseMessage(f *testing.F) {
	addMessageSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMessage(b)
		if err != nil {
			require.True(t, errors.Is(err, ErrBadLength) || errors.Is(err, ErrMessageTooLarge), err)
			return
		}
		require.Equal(t, b, AppendMessage(nil, &m))
		_ = m.String()
	})
}

// FuzzReadMessages feeds a stream to a Reader (one byte at a time when the
// first byte is odd) and checks every decoded message re-encodes to exactly
// the bytes it was read from.
func FuzzReadMessages(f *testing.F) {
	msgs := sampleMessages()
	var all []byte
	for i := range msgs {
		all = AppendMessage(all, &msgs[i])
	}
	f.Add(all)
	f.Add(append(AppendHave(nil, 1), 0, 0, 0, 9, 7, 1))
	addMessageSeeds(f)
	f.Fuzz(func(t *testing.T, stream []byte) {
		var src io.Reader = bytes.NewReader(stream)
		if len(stream) > 0 && stream[0]&1 == 1 {
			src = iotest.OneByteReader(src)
		}
		r := NewReader(src, 64<<10) // bound memory per message
		r.MaxBlock = 32 << 10
		var m Message
		var reencoded []byte
		for {
			err := r.ReadMessage(&m)
			if err == io.EOF {
				require.Equal(t, len(stream), len(reencoded))
				require.True(t, bytes.Equal(stream, reencoded))
				return
			}
			if err != nil {
				require.True(t, bytes.HasPrefix(stream, reencoded))
				return
			}
			reencoded = AppendMessage(reencoded, &m)
			require.True(t, bytes.HasPrefix(stream, reencoded), "message %s", m.String())
		}
	})
}

// FuzzExtendedHandshake checks that parsing never panics and that whatever is
// accepted marshals and re-parses to the same value.
func FuzzExtendedHandshake(f *testing.F) {
	f.Add([]byte(libtorrentHandshake))
	f.Add([]byte("d1:md11:ut_metadatai2e6:ut_pex3:abcee"))
	f.Add([]byte("d1:mli1eee"))
	f.Add([]byte("d1:mde1:p4:68814:reqqli1ee1:vi5e6:youripi1ee"))
	f.Add([]byte("d1:md1:ai-1e1:bi256e1:ci255eee"))
	f.Add([]byte("i5e"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseExtendedHandshake(b)
		if err != nil {
			require.ErrorIs(t, err, ErrBadExtendedHandshake)
			return
		}
		out, err := h.Marshal()
		require.NoError(t, err)
		again, err := ParseExtendedHandshake(out)
		require.NoError(t, err)
		require.Equal(t, h, again)
	})
}
