package peerwire

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// FuzzReadHandshake feeds any bytes (one at a time when the first byte is odd) to ReadHandshake:
// it reads exactly HandshakeLen bytes, accepts only the BitTorrent protocol string, and an
// accepted handshake re-encodes to exactly the bytes it was read from, its bits read from the
// reserved bytes; anything else is ErrBadProtocol or a short read.
func FuzzReadHandshake(f *testing.F) {
	var h Handshake
	h.SetExtended()
	h.SetFast()
	h.SetDHT()
	copy(h.InfoHash[:], "infohash-infohash-ih")
	copy(h.PeerID[:], "-LB0010-abcdefghijkl")
	good := AppendHandshake(nil, h)
	f.Add(good)
	f.Add(append(append([]byte(nil), good...), 0, 0, 0, 1, 2)) // a message follows
	f.Add(good[:47])                                           // cut in the info-hash
	f.Add(good[:60])                                           // cut in the peer id
	f.Add(append([]byte{19}, []byte("BitTorrent protocoL")...))
	f.Add([]byte("\x13BitTorrent protocol"))
	f.Add([]byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, stream []byte) {
		var src io.Reader = bytes.NewReader(stream)
		if len(stream) > 0 && stream[0]&1 == 1 {
			src = iotest.OneByteReader(src)
		}
		counted := &countingReader{r: src}
		h, err := ReadHandshake(counted)
		if err != nil {
			short := errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
			require.True(t, errors.Is(err, ErrBadProtocol) || short, err)
			if short {
				require.Less(t, len(stream), HandshakeLen)
			}
			require.LessOrEqual(t, counted.n, HandshakeLen, "never reads past the handshake")
			return
		}
		require.Equal(t, HandshakeLen, counted.n, "reads exactly the handshake")
		require.Equal(t, stream[:HandshakeLen], AppendHandshake(nil, h))
		require.Equal(t, stream[1+len(Protocol)+5]&0x10 != 0, h.SupportsExtended())
		require.Equal(t, stream[1+len(Protocol)+7]&0x04 != 0, h.SupportsFast())
		require.Equal(t, stream[1+len(Protocol)+7]&0x01 != 0, h.SupportsDHT())
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
