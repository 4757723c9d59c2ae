package metainfo

import (
	"bytes"
	"crypto/sha1"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseSingleFileTorrent(t *testing.T) {
	info := singleInfo(40000, 16384)
	info["private"] = int64(1)
	data := enc(t, map[string]any{
		"announce":      "http://127.0.0.1:1/announce",
		"comment":       "hello",
		"created by":    "test",
		"creation date": int64(1700000000),
		"info":          info,
		"url-list":      "http://127.0.0.1:2/files/",
		"httpseeds":     []any{"http://127.0.0.1:3/seed"},
		"nodes":         []any{[]any{"127.0.0.1", int64(6881)}, []any{"bad"}, []any{"::1", int64(6882)}},
	})
	m, err := Parse(data)
	require.NoError(t, err)
	infoBytes := enc(t, info)
	require.Equal(t, infoBytes, m.InfoBytes)
	require.Equal(t, InfoHash(sha1.Sum(infoBytes)), m.InfoHash)
	require.Equal(t, "file.bin", m.Info.Name)
	require.False(t, m.Info.MultiFile)
	require.True(t, m.Info.Private)
	require.Equal(t, []File{{Path: []string{"file.bin"}, Length: 40000}}, m.Info.Files)
	require.Equal(t, int64(40000), m.Info.TotalLength)
	require.Equal(t, 3, m.Info.NumPieces())
	require.Equal(t, int64(16384), m.Info.PieceSize(0))
	require.Equal(t, int64(40000-2*16384), m.Info.PieceSize(2))
	require.Equal(t, int64(0), m.Info.PieceSize(3))
	require.Equal(t, "hello", m.Comment)
	require.Equal(t, "test", m.CreatedBy)
	require.Equal(t, int64(1700000000), m.CreationDate)
	require.Equal(t, []string{"http://127.0.0.1:2/files/"}, m.URLList)
	require.Equal(t, []string{"http://127.0.0.1:3/seed"}, m.HTTPSeeds)
	require.Equal(t, []string{"127.0.0.1:6881", "[::1]:6882"}, m.Nodes)
	require.Equal(t, [][]string{{"http://127.0.0.1:1/announce"}}, m.TrackerTiers())
}

func TestParseIgnoresMalformedOptionalFields(t *testing.T) {
	data := enc(t, map[string]any{
		"announce":      int64(5),
		"announce-list": "nope",
		"comment":       []any{},
		"creation date": "yesterday",
		"info":          singleInfo(1, 16384),
		"url-list":      []any{"http://127.0.0.1/a", int64(3), ""},
	})
	m, err := Parse(data)
	require.NoError(t, err)
	require.Empty(t, m.Announce)
	require.Empty(t, m.AnnounceList)
	require.Equal(t, []string{"http://127.0.0.1/a"}, m.URLList)
	require.Nil(t, m.TrackerTiers())
}

func TestTrackerTiersPreferAnnounceListAndDropEmptyEntries(t *testing.T) {
	data := enc(t, map[string]any{
		"announce":      "http://a/",
		"announce-list": []any{[]any{"", "http://b/"}, []any{}, []any{"udp://c:1", "udp://d:1"}},
		"info":          singleInfo(1, 16384),
	})
	m, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"http://b/"}, {"udp://c:1", "udp://d:1"}}, m.TrackerTiers())

	m.AnnounceList = [][]string{{""}, {}}
	require.Equal(t, [][]string{{"http://a/"}}, m.TrackerTiers())
}

func TestParseMultiFileComputesOffsetsAndPieceFileMapping(t *testing.T) {
	info := multiInfo(16,
		fileEntry(10, "a"),
		fileEntry(0, "empty"),
		fileEntry(20, "sub", "b"),
		fileEntry(16, "sub", "c"),
		fileEntry(2, "d"),
	) // total 48, 3 pieces of 16
	info["piece length"] = int64(16)
	m, err := Parse(torrentWithInfo(t, info))
	require.NoError(t, err)
	in := m.Info
	require.True(t, in.MultiFile)
	require.Equal(t, int64(48), in.TotalLength)
	offsets := []int64{0, 10, 10, 30, 46}
	for i, f := range in.Files {
		require.Equal(t, offsets[i], f.Offset, "file %d", i)
	}
	require.Equal(t, "sub/b", in.Files[2].DisplayPath())

	type fr struct{ first, last FileIndex }
	got := []fr{}
	for p := PieceIndex(0); p < 3; p++ {
		f, l := in.FileRange(p)
		got = append(got, fr{f, l})
	}
	// piece 0 = [0,16): a, empty, sub/b; piece 1 = [16,32): sub/b, sub/c; piece 2 = [32,48): sub/c, d
	require.Equal(t, []fr{{0, 2}, {2, 3}, {3, 4}}, got)
	f, l := in.FileRange(3)
	require.Greater(t, f, l, "out of range piece has an empty file range")

	type pr struct{ first, end PieceIndex }
	var pieces []pr
	for i := range in.Files {
		a, b := in.FilePieces(FileIndex(i))
		pieces = append(pieces, pr{a, b})
	}
	require.Equal(t, []pr{{0, 1}, {0, 0}, {0, 2}, {1, 3}, {2, 3}}, pieces)
	require.Equal(t, FileIndex(0), in.FileAt(9))
	require.Equal(t, FileIndex(2), in.FileAt(10))
	require.Equal(t, FileIndex(4), in.FileAt(47))
	require.Equal(t, FileIndex(-1), in.FileAt(48))
}

func TestParseHandlesFilesLargerThan4GiB(t *testing.T) {
	const pl = 4 << 20
	big := int64(5)<<30 + 123
	info := multiInfo(pl, fileEntry(1000, "small"), fileEntry(big, "huge.bin"), fileEntry(7<<30, "huger.bin"))
	m, err := Parse(torrentWithInfo(t, info))
	require.NoError(t, err)
	in := m.Info
	total := 1000 + big + 7<<30
	require.Equal(t, total, in.TotalLength)
	n := int((total + pl - 1) / pl)
	require.Equal(t, n, in.NumPieces())
	require.Equal(t, total-int64(n-1)*pl, in.PieceSize(PieceIndex(n-1)))
	require.Equal(t, int64(1000+big), in.Files[2].Offset)
	first, end := in.FilePieces(2)
	require.Equal(t, PieceIndex((1000+big)/pl), first)
	require.Equal(t, PieceIndex(n), end)
	f, l := in.FileRange(first)
	require.Equal(t, FileIndex(1), f)
	require.Equal(t, FileIndex(2), l)

	single := singleInfo(int64(6)<<30, 16<<20)
	m, err = Parse(torrentWithInfo(t, single))
	require.NoError(t, err)
	require.Equal(t, int64(6)<<30, m.Info.Files[0].Length)
	require.Equal(t, 384, m.Info.NumPieces())
}

func TestParseRejectsInvalidTorrents(t *testing.T) {
	withInfo := func(mod func(map[string]any)) []byte {
		info := singleInfo(40000, 16384)
		mod(info)
		return torrentWithInfo(t, info)
	}
	cases := []struct {
		name string
		data []byte
		msg  string
	}{
		{"not bencode", []byte("hello"), "metainfo: bencode: offset 0"},
		{"not a dict", enc(t, []any{}), "cannot decode list"},
		{"no info", enc(t, map[string]any{"announce": "x"}), "metainfo: info dict missing"},
		{"info not dict", enc(t, map[string]any{"info": "x"}), "metainfo: info: bencode"},
		{"no piece length", withInfo(func(m map[string]any) { delete(m, "piece length") }), "metainfo: info.piece length missing"},
		{"zero piece length", withInfo(func(m map[string]any) { m["piece length"] = int64(0) }), "piece length 0 is not in"},
		{"huge piece length", withInfo(func(m map[string]any) { m["piece length"] = int64(1 << 30) }), "is not in 1..268435456"},
		{"piece length type", withInfo(func(m map[string]any) { m["piece length"] = "16384" }), "metainfo: info.piece length missing"},
		{"no pieces", withInfo(func(m map[string]any) { delete(m, "pieces") }), "metainfo: info.pieces missing"},
		{"pieces not multiple", withInfo(func(m map[string]any) { m["pieces"] = make([]byte, 41) }), "metainfo: pieces length 41 is not a multiple of 20"},
		{"too few pieces", withInfo(func(m map[string]any) { m["pieces"] = make([]byte, 40) }), "metainfo: number of pieces 2 does not match total length 40000 with piece length 16384 (want 3)"},
		{"too many pieces", withInfo(func(m map[string]any) { m["pieces"] = make([]byte, 80) }), "number of pieces 4 does not match"},
		{"no name", withInfo(func(m map[string]any) { delete(m, "name") }), "metainfo: info.name missing"},
		{"name dotdot", withInfo(func(m map[string]any) { m["name"] = ".." }), `metainfo: info.name ".." is not a file name`},
		{"name empty", withInfo(func(m map[string]any) { m["name"] = "" }), `metainfo: info.name "" is not a file name`},
		{"negative length", withInfo(func(m map[string]any) { m["length"] = int64(-1) }), "metainfo: info.length -1 is negative"},
		{"zero length", withInfo(func(m map[string]any) { m["length"] = int64(0); m["pieces"] = []byte{} }), "total length is 0"},
		{"length and files", withInfo(func(m map[string]any) { m["files"] = []any{fileEntry(1, "a")} }), "both length and files"},
		{"neither", withInfo(func(m map[string]any) { delete(m, "length") }), "neither length nor files"},
		{"v2 only", enc(t, map[string]any{"info": map[string]any{"name": "x", "piece length": int64(16384), "meta version": int64(2), "file tree": map[string]any{}}}), "v2-only torrents are not supported"},
		{"meta version 3", withInfo(func(m map[string]any) { m["meta version"] = int64(3) }), "meta version 3 is not supported"},
		{"empty files", torrentWithInfo(t, multiInfo(16384)), "info.files is empty"},
		{"file negative", torrentWithInfo(t, multiInfo(16384, fileEntry(5, "a"), fileEntry(-5, "b"))), "metainfo: file 1 length -5 is negative"},
		{"file no length", torrentWithInfo(t, multiInfo(16384, fileEntry(5, "a"), map[string]any{"length": int64(0), "path": []any{}})), "metainfo: file 1 path is empty"},
		{"overflow", torrentWithInfo(t, multiInfo(16384, fileEntry(1<<62, "a"), fileEntry(1<<62, "b"), fileEntry(1<<62, "c"))), "metainfo: file 1: total length overflows int64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.data)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

func TestParseFlagsPadFilesThatMayShareNames(t *testing.T) {
	// Pad files may share names (hybrid torrents do) and are flagged; they are never renamed.
	pad := fileEntry(3, ".pad", "3")
	pad["attr"] = "p"
	m, err := Parse(torrentWithInfo(t, multiInfo(16384, fileEntry(1, "a"), pad, fileEntry(1, "b"), pad, fileEntry(2, "c"))))
	require.NoError(t, err)
	require.True(t, m.Info.Files[1].Pad)
	require.False(t, m.Info.Files[2].Pad)
	require.Equal(t, []string{".pad", "3"}, m.Info.Files[3].Path)
	require.Empty(t, m.Sanitized)
}

func TestParsePrefersValidUTF8Names(t *testing.T) {
	f := fileEntry(4, "caf\xe9")
	f["path.utf-8"] = []any{"café"}
	info := multiInfo(16384, f)
	info["name"] = "d\xe9j\xe0"
	info["name.utf-8"] = "déjà"
	m, err := Parse(torrentWithInfo(t, info))
	require.NoError(t, err)
	require.Equal(t, "déjà", m.Info.Name)
	require.Equal(t, []string{"café"}, m.Info.Files[0].Path)
}

func TestParseAcceptsHybridTorrentsUsingV1Fields(t *testing.T) {
	info := singleInfo(40000, 16384)
	info["meta version"] = int64(2)
	// libtorrent refuses a zero pieces root (torrent_missing_pieces_root): any other will do.
	info["file tree"] = map[string]any{"file.bin": map[string]any{"": map[string]any{"length": int64(40000), "pieces root": bytes.Repeat([]byte{1}, 32)}}}
	data := enc(t, map[string]any{"info": info, "piece layers": map[string]any{}})
	m, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, 3, m.Info.NumPieces())
	require.Equal(t, InfoHash(sha1.Sum(enc(t, info))), m.InfoHash)
}

func TestParseInfoMatchesParse(t *testing.T) {
	info := enc(t, singleInfo(100000, 32768))
	in, err := ParseInfo(info)
	require.NoError(t, err)
	require.Equal(t, 4, in.NumPieces())
	_, err = ParseInfo(append(info, 'x'))
	require.ErrorContains(t, err, "trailing")
}

func TestPieceHashReturnsTheRightSlice(t *testing.T) {
	info := singleInfo(40000, 16384)
	pieces := make([]byte, 60)
	for i := range pieces {
		pieces[i] = byte(i)
	}
	info["pieces"] = pieces
	m, err := Parse(torrentWithInfo(t, info))
	require.NoError(t, err)
	h := m.Info.PieceHash(2)
	require.Equal(t, pieces[40:60], h[:])
}
