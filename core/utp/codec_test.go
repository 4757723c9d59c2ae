package utp

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCodecRoundTripsHeaderAndExtensions(t *testing.T) {
	h := Header{Type: TypeState, ConnID: 0xbeef, Timestamp: 0x01020304, TimestampDiff: 0x0a0b0c0d,
		Window: 1 << 20, Seq: 0xfffe, Ack: 7, SACK: []byte{0x05, 0x80}, CloseReason: 2, HasCloseReason: true}
	b := h.AppendTo([]byte("prefix"))
	require.Equal(t, "prefix", string(b[:6]))
	b = append(b[6:], "payload"...)
	require.Len(t, b, h.Len()+7)
	// Byte-exact against BEP 29's layout.
	require.Equal(t, byte(0x21), b[0])
	require.Equal(t, byte(extSACK), b[1])
	require.Equal(t, uint16(0xbeef), binary.BigEndian.Uint16(b[2:]))
	require.Equal(t, []byte{extCloseReason, 4, 0x05, 0x80, 0, 0, extNone, 4, 0, 0, 0, 2}, b[20:32])

	var g Header
	p, err := g.Decode(b)
	require.NoError(t, err)
	require.Equal(t, "payload", string(p))
	require.Equal(t, []byte{0x05, 0x80, 0, 0}, g.SACK)
	g.SACK = h.SACK
	require.Equal(t, h, g)
}

func TestCodecRejectsMalformed(t *testing.T) {
	ok := (&Header{Type: TypeData}).AppendTo(nil)
	var h Header
	for name, c := range map[string]struct {
		b   []byte
		err error
	}{
		"short":           {ok[:19], ErrShort},
		"version 2":       {append([]byte{0x02}, ok[1:]...), ErrVersion},
		"type 5":          {append([]byte{0x51}, ok[1:]...), ErrType},
		"chain, no bytes": {append([]byte{0x01, 0x01}, ok[2:]...), ErrExtension},
		"chain, too long": {append(append([]byte{0x01, 0x01}, ok[2:]...), 0, 5, 1, 2), ErrExtension},
	} {
		_, err := h.Decode(c.b)
		require.ErrorIs(t, err, c.err, name)
	}
}

func TestCodecSkipsUnknownExtensionsAndCapsSACK(t *testing.T) {
	b := (&Header{Type: TypeData, Seq: 3}).AppendTo(nil)
	b[1] = 9                              // unknown extension first
	b = append(b, extSACK, 2, 0xaa, 0xbb) // unknown ext of 2 bytes, next is SACK
	b = append(b, extNone, 40)            // SACK of 40 bytes: read as 32
	b = append(b, bytes.Repeat([]byte{1}, 40)...)
	b = append(b, "data"...)
	var h Header
	p, err := h.Decode(b)
	require.NoError(t, err)
	require.Equal(t, "data", string(p))
	require.Len(t, h.SACK, MaxSACK)
}

func TestSackedAndSeqLessWrap(t *testing.T) {
	mask := []byte{0b0000_0101, 0x80}
	require.True(t, sacked(mask, 0xfffe, 0)) // ack+2 wraps to 0
	require.False(t, sacked(mask, 0xfffe, 1))
	require.True(t, sacked(mask, 0xfffe, 2))
	require.True(t, sacked(mask, 0xfffe, 15))
	require.False(t, sacked(mask, 0xfffe, 0xffff)) // ack+1 is never in the mask
	require.False(t, sacked(mask, 0xfffe, 16))
	require.True(t, seqLess(0xfff0, 3))
	require.False(t, seqLess(3, 0xfff0))
	require.False(t, seqLess(5, 5))
}

// FuzzDecode: any input decodes without panicking; a decoded packet re-encodes to a packet
// that decodes to the same header and payload (the SACK padded to 4 bytes, unknown
// extensions dropped).
func FuzzDecode(f *testing.F) {
	f.Add((&Header{Type: TypeSyn, ConnID: 1, Seq: 1}).AppendTo(nil))
	f.Add(append((&Header{Type: TypeData, ConnID: 2, Seq: 9, Ack: 3, Window: 1 << 20}).AppendTo(nil), "hello"...))
	f.Add((&Header{Type: TypeState, SACK: []byte{1, 2, 3, 4}, HasCloseReason: true, CloseReason: 7}).AppendTo(nil))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h Header
		p, err := h.Decode(b)
		if err != nil {
			return
		}
		if len(p) > len(b)-HeaderLen || !bytes.Equal(p, b[len(b)-len(p):]) {
			t.Fatalf("payload %x is not the tail of %x", p, b)
		}
		e := append(h.AppendTo(nil), p...)
		if len(e) != h.Len()+len(p) {
			t.Fatalf("Len %d, encoded %d", h.Len(), len(e)-len(p))
		}
		var g Header
		q, err := g.Decode(e)
		if err != nil {
			t.Fatalf("re-encoded %x: %v", e, err)
		}
		if !bytes.Equal(p, q) || len(g.SACK) != sackLen(len(h.SACK)) || !bytes.Equal(g.SACK[:len(h.SACK)], h.SACK) {
			t.Fatalf("round trip %+v -> %+v", h, g)
		}
		g.SACK, h.SACK = nil, nil
		if !reflect.DeepEqual(g, h) {
			t.Fatalf("round trip %+v -> %+v", h, g)
		}
	})
}
