package peerwire

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// sampleMessages has one message of every kind this package knows, plus an
// unknown ID.
func sampleMessages() []Message {
	return []Message{
		{KeepAlive: true},
		{ID: Choke},
		{ID: Unchoke},
		{ID: Interested},
		{ID: NotInterested},
		{ID: Have, Index: 0xDEADBEEF},
		{ID: Bitfield, Bitfield: []byte{0xFF, 0x80}},
		{ID: Request, Index: 1, Begin: 16384, Length: 16384},
		{ID: Piece, Index: 7, Begin: 32768, Block: bytes.Repeat([]byte{0xAB}, 100)},
		{ID: Piece, Index: 7, Begin: 0, Block: []byte{}},
		{ID: Cancel, Index: 2, Begin: 3, Length: 4},
		{ID: Port, Port: 6881},
		{ID: Suggest, Index: 5},
		{ID: HaveAll},
		{ID: HaveNone},
		{ID: RejectRequest, Index: 9, Begin: 10, Length: 11},
		{ID: AllowedFast, Index: 12},
		{ID: Extended, ExtendedID: 0, Payload: []byte("d1:md6:ut_pexi1eee")},
		{ID: Extended, ExtendedID: 3, Payload: []byte{}},
		{ID: 0x42, Payload: []byte("hello")},
		{ID: 0x0A, Payload: []byte{}},
	}
}

// normalize maps nil and empty slices to nil so decoded and expected values
// compare equal.
func normalize(m Message) Message {
	for _, p := range []*[]byte{&m.Bitfield, &m.Block, &m.Payload} {
		if len(*p) == 0 {
			*p = nil
		}
	}
	return m
}

func TestEveryMessageRoundTripsThroughParseMessage(t *testing.T) {
	for _, want := range sampleMessages() {
		b := AppendMessage(nil, &want)
		got, err := ParseMessage(b)
		require.NoError(t, err, want.String())
		require.Equal(t, normalize(want), normalize(got), want.String())
	}
}

func TestEveryMessageRoundTripsThroughReaderOneByteAtATime(t *testing.T) {
	var stream []byte
	msgs := sampleMessages()
	for i := range msgs {
		stream = AppendMessage(stream, &msgs[i])
	}
	r := NewReader(iotest.OneByteReader(bytes.NewReader(stream)), 0)
	var m Message
	for _, want := range msgs {
		require.NoError(t, r.ReadMessage(&m), want.String())
		require.Equal(t, normalize(want), normalize(m), want.String())
	}
	require.Equal(t, io.EOF, r.ReadMessage(&m))
}

func TestWireEncodingMatchesBEP3(t *testing.T) {
	require.Equal(t, []byte{0, 0, 0, 0}, AppendKeepAlive(nil))
	require.Equal(t, []byte{0, 0, 0, 1, 2}, AppendSimple(nil, Interested))
	require.Equal(t, []byte{0, 0, 0, 5, 4, 0, 0, 1, 0}, AppendHave(nil, 256))
	require.Equal(t,
		[]byte{0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0x40, 0, 0, 0, 0x40, 0},
		AppendRequest(nil, 1, 16384, 16384))
	require.Equal(t, []byte{0, 0, 0, 3, 9, 0x1A, 0xE1}, AppendPort(nil, 6881))
	require.Equal(t, []byte{0, 0, 0, 3, 20, 1, 'x'}, AppendExtended(nil, 1, []byte("x")))
	require.Equal(t, []byte{0, 0, 0, 1, 0x0E}, AppendSimple(nil, HaveAll))
}

func TestPieceHeaderFramesBlockWithoutCopying(t *testing.T) {
	block := bytes.Repeat([]byte{7}, 16384)
	hdr := AppendPieceHeader(nil, 3, 16384, len(block))
	require.Len(t, hdr, PieceHeaderLen)
	require.Equal(t, uint32(9+16384), binary.BigEndian.Uint32(hdr))
	full := AppendMessage(nil, &Message{ID: Piece, Index: 3, Begin: 16384, Block: block})
	require.Equal(t, full, append(bytes.Clone(hdr), block...))
}

func TestAppendDoesNotAllocateWithRoom(t *testing.T) {
	buf := make([]byte, 0, 256)
	m := &Message{ID: Bitfield, Bitfield: []byte{1, 2, 3}}
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendRequest(buf[:0], 1, 2, 3)
		b = AppendPieceHeader(b, 1, 2, 16384)
		b = AppendMessage(b, m)
		_ = AppendHave(b, 9)
	})
	require.Zero(t, allocs)
}

func TestFixedSizeMessagesWithWrongLengthAreRejected(t *testing.T) {
	cases := map[string][]byte{
		"have with 3 bytes":     {0, 0, 0, 4, 4, 0, 0, 1},
		"have with 5 bytes":     {0, 0, 0, 6, 4, 0, 0, 0, 1, 0},
		"choke with a body":     {0, 0, 0, 2, 0, 0},
		"request with 8 bytes":  {0, 0, 0, 9, 6, 0, 0, 0, 1, 0, 0, 0, 2},
		"port with 1 byte":      {0, 0, 0, 2, 9, 1},
		"piece without begin":   {0, 0, 0, 5, 7, 0, 0, 0, 1},
		"extended without id":   {0, 0, 0, 1, 20},
		"have_all with a body":  {0, 0, 0, 2, 0x0E, 1},
		"reject with 13 bytes":  append([]byte{0, 0, 0, 14, 0x10}, make([]byte, 13)...),
		"allowed_fast no index": {0, 0, 0, 1, 0x11},
	}
	for name, b := range cases {
		_, err := ParseMessage(b)
		require.ErrorIs(t, err, ErrBadLength, name)
		var m Message
		err = NewReader(bytes.NewReader(b), 0).ReadMessage(&m)
		require.ErrorIs(t, err, ErrBadLength, name)
	}
}

func TestParseMessageRejectsBadFraming(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":            nil,
		"short prefix":     {0, 0, 1},
		"missing body":     {0, 0, 0, 5, 4, 0},
		"trailing garbage": {0, 0, 0, 1, 1, 0xFF},
	} {
		_, err := ParseMessage(b)
		require.ErrorIs(t, err, ErrBadLength, name)
	}
}

func TestHugeLengthPrefixIsRejectedBeforeReadingBody(t *testing.T) {
	b := []byte{0xFF, 0xFF, 0xFF, 0xFF, byte(Bitfield)}
	_, err := ParseMessage(b)
	require.ErrorIs(t, err, ErrMessageTooLarge)
	var m Message
	err = NewReader(bytes.NewReader(b), 0).ReadMessage(&m)
	require.ErrorIs(t, err, ErrMessageTooLarge)
	require.Nil(t, m.Bitfield[:cap(m.Bitfield)], "no buffer was allocated for the claimed length")

	// A custom limit applies to every message.
	small := AppendBitfield(nil, make([]byte, 100))
	err = NewReader(bytes.NewReader(small), 64).ReadMessage(&m)
	require.ErrorIs(t, err, ErrMessageTooLarge)
}

func TestLargeBitfieldAndExtendedAllowedUpToMaxMessage(t *testing.T) {
	big := make([]byte, DefaultMaxMessage-1)
	big[0] = 0x80
	stream := AppendBitfield(nil, big)
	stream = AppendExtended(stream, 1, make([]byte, DefaultMaxMessage-2))
	r := NewReader(bytes.NewReader(stream), 0)
	var m Message
	require.NoError(t, r.ReadMessage(&m))
	require.Len(t, m.Bitfield, DefaultMaxMessage-1)
	require.NoError(t, r.ReadMessage(&m))
	require.Len(t, m.Payload, DefaultMaxMessage-2)
	tooBig := AppendBitfield(nil, make([]byte, DefaultMaxMessage))
	require.ErrorIs(t, NewReader(bytes.NewReader(tooBig), 0).ReadMessage(&m), ErrMessageTooLarge)
}

func TestPieceBlockLimit(t *testing.T) {
	ok := AppendMessage(nil, &Message{ID: Piece, Block: make([]byte, DefaultMaxBlock)})
	over := AppendMessage(nil, &Message{ID: Piece, Block: make([]byte, DefaultMaxBlock+1)})
	_, err := ParseMessage(ok)
	require.NoError(t, err)
	_, err = ParseMessage(over)
	require.ErrorIs(t, err, ErrMessageTooLarge)

	var m Message
	require.ErrorIs(t, NewReader(bytes.NewReader(over), 0).ReadMessage(&m), ErrMessageTooLarge)
	r := NewReader(bytes.NewReader(over), 0)
	r.MaxBlock = 32 << 10
	require.NoError(t, r.ReadMessage(&m))
	require.Len(t, m.Block, DefaultMaxBlock+1)
}

func TestUnknownIDIsReturnedNotAnError(t *testing.T) {
	b := AppendMessage(nil, &Message{ID: 0xC8, Payload: []byte{1, 2, 3}})
	var m Message
	require.NoError(t, NewReader(bytes.NewReader(b), 0).ReadMessage(&m))
	require.Equal(t, MessageID(0xC8), m.ID)
	require.False(t, m.ID.Known())
	require.Equal(t, []byte{1, 2, 3}, m.Payload)
	require.Equal(t, "unknown(200)(len=3)", m.String())
}

func TestTruncatedStreamIsUnexpectedEOF(t *testing.T) {
	full := AppendRequest(nil, 1, 2, 3)
	full = AppendMessage(full, &Message{ID: Piece, Block: make([]byte, 50)})
	for cut := 1; cut < len(full); cut++ {
		if cut == 17 { // a clean boundary after the request
			continue
		}
		r := NewReader(bytes.NewReader(full[:cut]), 0)
		var m Message
		var err error
		for err == nil {
			err = r.ReadMessage(&m)
		}
		require.ErrorIs(t, err, io.ErrUnexpectedEOF, "cut at %d", cut)
	}
}

func TestBlockBufSuppliesPieceStorage(t *testing.T) {
	block := bytes.Repeat([]byte{9}, 1000)
	stream := AppendMessage(nil, &Message{ID: Piece, Index: 1, Begin: 2, Block: block})
	stream = AppendHave(stream, 5)
	stream = AppendMessage(stream, &Message{ID: Piece, Index: 1, Begin: 1002, Block: block[:10]})
	pool := make([]byte, 4096)
	var asked []int
	r := NewReader(bytes.NewReader(stream), 0)
	r.BlockBuf = func(n int) []byte { asked = append(asked, n); return pool }
	var m Message
	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, block, m.Block)
	require.Same(t, &pool[0], &m.Block[0], "block read into the caller's buffer")
	require.NoError(t, r.ReadMessage(&m))
	require.Nil(t, m.Block, "a pooled block is not carried into the next message")
	require.NoError(t, r.ReadMessage(&m))
	require.Len(t, m.Block, 10)
	require.Equal(t, []int{1000, 10}, asked)
}

func TestBlockBufTooSmallFallsBackToAllocation(t *testing.T) {
	stream := AppendMessage(nil, &Message{ID: Piece, Block: []byte("abcdef")})
	r := NewReader(bytes.NewReader(stream), 0)
	r.BlockBuf = func(int) []byte { return make([]byte, 2) }
	var m Message
	require.NoError(t, r.ReadMessage(&m))
	require.Equal(t, []byte("abcdef"), m.Block)
}

func TestReadMessageReusesMessageBuffers(t *testing.T) {
	var stream []byte
	for i := range 50 {
		stream = AppendBitfield(stream, []byte{byte(i), 1, 2})
		stream = AppendExtended(stream, 1, []byte("payload"))
		stream = AppendMessage(stream, &Message{ID: Piece, Block: make([]byte, 64)})
	}
	r := NewReader(bytes.NewReader(stream), 0)
	var m Message
	for range 3 { // warm up
		require.NoError(t, r.ReadMessage(&m))
	}
	allocs := testing.AllocsPerRun(40, func() {
		for range 3 {
			require.NoError(t, r.ReadMessage(&m))
		}
	})
	require.Zero(t, allocs)
}

func TestMessageStrings(t *testing.T) {
	var names []string
	for _, m := range sampleMessages() {
		names = append(names, m.String())
	}
	s := strings.Join(names, " ")
	for _, want := range []string{"keepalive", "have(3735928559)", "request(1,16384,16384)",
		"piece(7,32768,len=100)", "port(6881)", "have_all", "extended(0,len=18)", "bitfield(len=2)"} {
		require.Contains(t, s, want)
	}
}

// loopReader returns the same bytes forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func BenchmarkReadPiece(b *testing.B) {
	block := make([]byte, DefaultMaxBlock)
	var stream []byte
	for i := range 64 {
		stream = AppendMessage(stream, &Message{ID: Piece, Index: uint32(i), Block: block})
	}
	r := NewReader(&loopReader{data: stream}, 0)
	pool := make([]byte, DefaultMaxBlock)
	r.BlockBuf = func(int) []byte { return pool }
	var m Message
	b.SetBytes(int64(len(block)))
	b.ReportAllocs()
	for b.Loop() {
		if err := r.ReadMessage(&m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendRequest(b *testing.B) {
	buf := make([]byte, 0, 17*64)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := range 64 {
			buf = AppendRequest(buf, uint32(i), 0, 16384)
		}
	}
}
