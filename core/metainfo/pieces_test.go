package metainfo

import (
	"bytes"
	"crypto/sha1"
	"runtime"
	"testing"
	"unsafe"

	"github.com/libbt/libbt/core/bencode"
	"github.com/stretchr/testify/require"
)

// manyPieces is a .torrent of n pieces of 16 KiB with distinct hashes.
func manyPieces(t *testing.T, n int) []byte {
	pieces := make([]byte, 0, 20*n)
	for i := range n {
		h := sha1.Sum([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		pieces = append(pieces, h[:]...)
	}
	data, err := bencode.Marshal(map[string]any{"info": map[string]any{
		"name": "big", "length": int64(n) * 16 << 10, "piece length": 16 << 10, "pieces": pieces}})
	require.NoError(t, err)
	return data
}

// within reports whether sub's bytes lie inside buf's.
func within(sub, buf []byte) bool {
	s, b := uintptr(unsafe.Pointer(unsafe.SliceData(sub))), uintptr(unsafe.Pointer(unsafe.SliceData(buf)))
	return s >= b && s+uintptr(len(sub)) <= b+uintptr(len(buf))
}

func TestPieceHashesAreHeldOnceInsideTheInfoDict(t *testing.T) {
	const n = 100_000 // 2 MB of hashes
	data := manyPieces(t, n)
	m, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, n, m.Info.NumPieces())
	require.True(t, within(m.Info.Pieces, m.InfoBytes), "Info.Pieces is a view into InfoBytes, not a copy")
	require.False(t, within(m.InfoBytes, data), "InfoBytes is the MetaInfo's own copy: the caller's buffer is not kept")
	require.Equal(t, len(m.Info.Pieces), cap(m.Info.Pieces), "an append to Pieces cannot write into InfoBytes")
	h := sha1.Sum([]byte{7, 0, 0})
	require.Equal(t, h, m.Info.PieceHash(7))

	// Bytes allocated by one parse: the info dict's copy (2 MB) and small change. Holding the
	// hashes twice, as before, allocated 4 MB. The minimum of a few runs discounts allocations of
	// other goroutines of the test binary.
	best := ^uint64(0)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Parse(data)
		runtime.ReadMemStats(&after)
		require.NoError(t, err)
		runtime.KeepAlive(m)
		best = min(best, after.TotalAlloc-before.TotalAlloc)
	}
	t.Logf("Parse of a %d-byte torrent with %d pieces allocates %d bytes", len(data), n, best)
	require.Less(t, best, uint64(len(data)+len(data)/4), "the piece hashes are stored once")
}

func TestParseInfoPiecesAliasTheGivenBytes(t *testing.T) {
	m, err := Parse(manyPieces(t, 10))
	require.NoError(t, err)
	raw := bytes.Clone(m.InfoBytes)
	in, err := ParseInfo(raw)
	require.NoError(t, err)
	require.True(t, within(in.Pieces, raw))
	require.Equal(t, m.Info.Pieces, in.Pieces)
}

func TestNonStringPiecesAreRejectedAsMissing(t *testing.T) {
	data, err := bencode.Marshal(map[string]any{"info": map[string]any{
		"name": "x", "length": 1, "piece length": 16 << 10, "pieces": int64(20)}})
	require.NoError(t, err)
	_, err = Parse(data)
	require.ErrorContains(t, err, "info.pieces missing")
}
