package resume

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// FuzzState decodes any resume data the way a torrent's first check does (Parse, then State
// against the torrent): data for another torrent, or of the wrong shape, is
// refused with an error; accepted data yields exactly one piece flag per piece and one file
// state per file, copied from the data. (FuzzParse covers the decoding alone.)
func FuzzState(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "content")
	require.NoError(f, os.MkdirAll(dir, 0o755))
	require.NoError(f, os.WriteFile(filepath.Join(dir, "a"), make([]byte, 40_000), 0o644))
	require.NoError(f, os.WriteFile(filepath.Join(dir, "b"), make([]byte, 7), 0o644))
	_, mi, err := metainfo.Create(metainfo.CreateOptions{Path: dir, Mode: metainfo.CreateV1Only, PieceLength: 16 << 10})
	require.NoError(f, err)
	info := &mi.Info
	require.Equal(f, 3, info.NumPieces())

	good := Data{FileFormat: Format, FileVersion: Version, InfoHash: mi.InfoHash[:],
		Pieces: []byte{1, 0, 1}, FilePriority: []int64{4, 0}, FileSizes: [][]int64{{40_000, 1700000000}, {-1, 0}},
		FileMtimeNs: []int64{1700000000123456789, 0}}
	seeds := []Data{good}
	other := good
	other.InfoHash = make([]byte, 20) // another torrent
	short := good
	short.Pieces = []byte{1} // too few pieces
	noNs := good
	noNs.FileMtimeNs = nil
	huge := good
	huge.FileSizes = [][]int64{{1 << 62, 1 << 62}, {0, -1 << 62}} // times that overflow in ns
	huge.FileMtimeNs = nil
	seeds = append(seeds, other, short, noNs, huge)
	for _, rd := range seeds {
		b, err := bencode.Marshal(&rd)
		require.NoError(f, err)
		f.Add(b)
	}
	f.Add([]byte("d11:file-format22:libtorrent resume file12:file-versioni1ee"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := Parse(data)
		if err != nil {
			return
		}
		rs, err := State(rd, mi.InfoHash, info)
		matches := string(rd.InfoHash) == string(mi.InfoHash[:]) && len(rd.Pieces) == info.NumPieces() &&
			len(rd.FileSizes) == len(info.Files)
		if err != nil {
			require.False(t, matches, "consistent data for this torrent refused: %v", err)
			return
		}
		require.True(t, matches, "data for another torrent or of another shape accepted")
		require.Len(t, rs.Have, info.NumPieces())
		require.Len(t, rs.Files, len(info.Files))
		for i, b := range rd.Pieces {
			require.Equal(t, b&1 != 0, rs.Have[i])
		}
		for i, fs := range rd.FileSizes {
			require.Equal(t, fs[0], rs.Files[i].Size)
			if fs[0] < 0 {
				require.Zero(t, rs.Files[i].ModTime, "a missing file has no time")
			}
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("d11:file-format22:libtorrent resume file12:file-versioni1e9:info-hash20:aaaaaaaaaaaaaaaaaaaa13:file_priorityli4ee10:file sizeslli5ei7eeee"))
	f.Add([]byte("d11:file-format22:libtorrent resume file12:file-versioni1e9:info-hash3:abce"))
	f.Add([]byte("le"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := Parse(data)
		if err != nil {
			return
		}
		// Whatever parses re-encodes and parses the same.
		out, err := bencode.Marshal(rd)
		require.NoError(t, err)
		again, err := Parse(out)
		require.NoError(t, err)
		require.Equal(t, rd.InfoHash, again.InfoHash)
		require.Equal(t, len(rd.FileSizes), len(again.FileSizes))
	})
}
