package peerwire

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func testHandshake() Handshake {
	var h Handshake
	for i := range h.InfoHash {
		h.InfoHash[i] = byte(i)
		h.PeerID[i] = byte(100 + i)
	}
	return h
}

// countingWriter records the size of every Write call.
type countingWriter struct {
	bytes.Buffer
	writes []int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes = append(w.writes, len(p))
	return w.Buffer.Write(p)
}

func TestWriteHandshakeIs68BytesInOneWrite(t *testing.T) {
	h := testHandshake()
	h.SetExtended()
	var w countingWriter
	require.NoError(t, WriteHandshake(&w, h))
	require.Equal(t, []int{HandshakeLen}, w.writes)
	b := w.Bytes()
	require.Equal(t, 68, len(b))
	require.Equal(t, byte(19), b[0])
	require.Equal(t, "BitTorrent protocol", string(b[1:20]))
	require.Equal(t, []byte{0, 0, 0, 0, 0, 0x10, 0, 0}, b[20:28])
	require.Equal(t, h.InfoHash[:], b[28:48])
	require.Equal(t, h.PeerID[:], b[48:68])
}

func TestHandshakeRoundTripsThroughFragmentedReads(t *testing.T) {
	h := testHandshake()
	h.SetFast()
	h.SetDHT()
	h.SetExtended()
	b := AppendHandshake(nil, h)
	got, err := ReadHandshake(iotest.OneByteReader(bytes.NewReader(b)))
	require.NoError(t, err)
	require.Equal(t, h, got)
	require.True(t, got.SupportsFast())
	require.True(t, got.SupportsDHT())
	require.True(t, got.SupportsExtended())
}

func TestReservedBitsAreIndependent(t *testing.T) {
	var h Handshake
	require.False(t, h.SupportsExtended() || h.SupportsFast() || h.SupportsDHT())
	h.SetFast()
	require.Equal(t, [8]byte{7: 0x04}, h.Reserved)
	require.False(t, h.SupportsDHT())
	require.False(t, h.SupportsExtended())
	h = Handshake{}
	h.SetDHT()
	require.Equal(t, [8]byte{7: 0x01}, h.Reserved)
	require.False(t, h.SupportsFast())
	// Bits set by other extensions do not confuse the checks.
	h = Handshake{Reserved: [8]byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xEF, 0xFF, 0xFA}}
	require.False(t, h.SupportsExtended())
	require.False(t, h.SupportsFast())
	require.False(t, h.SupportsDHT())
}

func TestReadHandshakeRejectsWrongProtocol(t *testing.T) {
	b := AppendHandshake(nil, testHandshake())
	bad := bytes.Clone(b)
	bad[5] = 'X'
	_, err := ReadHandshake(bytes.NewReader(bad))
	require.ErrorIs(t, err, ErrBadProtocol)
	bad = bytes.Clone(b)
	bad[0] = 18
	_, err = ReadHandshake(bytes.NewReader(bad))
	require.ErrorIs(t, err, ErrBadProtocol)
}

func TestReadHandshakeReportsTruncation(t *testing.T) {
	b := AppendHandshake(nil, testHandshake())
	_, err := ReadHandshake(bytes.NewReader(b[:30]))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = ReadHandshake(bytes.NewReader(b[:60]))
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = ReadHandshake(bytes.NewReader(nil))
	require.ErrorIs(t, err, io.EOF)
}

func TestSplitHandshakeReadLeavesPeerIDUnread(t *testing.T) {
	h := testHandshake()
	h.SetFast()
	r := bytes.NewReader(AppendHandshake(nil, h))
	reserved, ih, err := ReadHandshakeHeader(r)
	require.NoError(t, err)
	require.Equal(t, h.Reserved, reserved)
	require.Equal(t, h.InfoHash, ih)
	require.Equal(t, 20, r.Len())
	id, err := ReadPeerID(r)
	require.NoError(t, err)
	require.Equal(t, h.PeerID, id)
}

func TestHandshakeThenMessagesThroughOneReader(t *testing.T) {
	h := testHandshake()
	stream := AppendHandshake(nil, h)
	stream = AppendHave(stream, 42)
	r := NewReader(bytes.NewReader(stream), 0)
	got, err := ReadHandshake(r)
	require.NoError(t, err)
	require.Equal(t, h, got)
	var m Message
	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, Have, m.ID)
	require.Equal(t, uint32(42), m.Index)
}
