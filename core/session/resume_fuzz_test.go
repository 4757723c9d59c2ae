package session

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// FuzzResumeState decodes any resume data the way a torrent's first check does (ParseResumeData,
// then resumeState against the torrent): data for another torrent, or of the wrong shape, is
// refused with an error; accepted data yields exactly one piece flag per piece and one file
// state per file, copied from the data. (FuzzParseResumeData covers the decoding alone.)
func FuzzResumeState(f *testing.F) {
	dir := filepath.Join(f.TempDir(), "content")
	require.NoError(f, os.MkdirAll(dir, 0o755))
	require.NoError(f, os.WriteFile(filepath.Join(dir, "a"), make([]byte, 40_000), 0o644))
	require.NoError(f, os.WriteFile(filepath.Join(dir, "b"), make([]byte, 7), 0o644))
	_, mi, err := metainfo.Create(metainfo.CreateOptions{Path: dir, PieceLength: 16 << 10})
	require.NoError(f, err)
	info := &mi.Info
	require.Equal(f, 3, info.NumPieces())

	good := ResumeData{FileFormat: resumeFormat, FileVersion: resumeVersion, InfoHash: mi.InfoHash[:],
		Pieces: []byte{1, 0, 1}, FilePriority: []int64{4, 0}, FileSizes: [][]int64{{40_000, 1700000000}, {-1, 0}},
		FileMtimeNs: []int64{1700000000123456789, 0}}
	seeds := []ResumeData{good}
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
		rd, err := ParseResumeData(data)
		if err != nil {
			return
		}
		rs, err := resumeState(rd, mi.InfoHash, info)
		matches := string(rd.InfoHash) == string(mi.InfoHash[:]) && len(rd.Pieces) == info.NumPieces() &&
			len(rd.FileSizes) == len(info.Files)
		if err != nil {
			require.False(t, matches, "consistent data for this torrent refused: %v", err)
			require.ErrorIs(t, err, ErrInvalidArgument)
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
