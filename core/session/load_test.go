package session

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/metainfo"
)

// hostileTorrent builds a .torrent whose paths libtorrent sanitises (".." elements, an
// absolute path, a backslash, two files with one path) over the given contents, with real
// piece hashes so it can be downloaded. It returns the bytes and the sanitised paths.
func hostileTorrent(t *testing.T, name string, contents [][]byte) []byte {
	t.Helper()
	paths := [][]any{{"..", "..", "escape.txt"}, {"/etc", "passwd"}, {`..\..\win.txt`}, {"dup.txt"}, {"dup.txt"}}
	const pieceLen = 16 << 10
	var all []byte
	files := make([]any, len(contents))
	for i, c := range contents {
		files[i] = map[string]any{"length": int64(len(c)), "path": paths[i]}
		all = append(all, c...)
	}
	var pieces []byte
	for off := 0; off < len(all); off += pieceLen {
		h := sha1.Sum(all[off:min(off+pieceLen, len(all))])
		pieces = append(pieces, h[:]...)
	}
	b, err := bencode.Marshal(map[string]any{"info": map[string]any{
		"name": name, "files": files, "piece length": int64(pieceLen), "pieces": pieces}})
	require.NoError(t, err)
	return b
}

func hostileContents() [][]byte {
	out := make([][]byte, 5)
	for i := range out {
		out[i] = []byte(strings.Repeat(fmt.Sprintf("file %d ", i), 3000+i*1000))
	}
	return out
}

// sanitisedPaths are where libtorrent 2.0.8 puts hostileTorrent's files (checked with
// lt.torrent_info), relative to the save directory.
var sanitisedPaths = []string{"t/escape.txt", "t/etc/passwd", "t/....win.txt", "t/dup.txt", "t/dup.1.txt"}

func requireLimitErr(t *testing.T, err error, name string) *limits.Error {
	t.Helper()
	var lim *limits.Error
	require.ErrorAs(t, err, &lim)
	require.Equal(t, name, lim.Limit)
	require.ErrorIs(t, err, ErrInvalidTorrent)
	require.True(t, errors.Is(err, limits.ErrLimit))
	return lim
}

func TestAddTorrentFileReadsAtMostMaxBufferSize(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0")
	_, err := s.AddTorrent(AddTorrentParams{TorrentFile: "/dev/zero", SavePath: t.TempDir()})
	lim := requireLimitErr(t, err, "max_buffer_size")
	require.Equal(t, limits.Error{Limit: "max_buffer_size", Value: 10_000_001, Max: 10_000_000}, *lim)

	alerts := collectAlerts(s)
	require.Len(t, alerts[AlertAddTorrentFailed], 1)
	a := alerts[AlertAddTorrentFailed][0]
	require.ErrorIs(t, a.Err, limits.ErrLimit)
	require.Contains(t, a.Message, "/dev/zero")
	require.Contains(t, a.Message, "max_buffer_size exceeded")
	require.Empty(t, s.Torrents())
}

func TestLoadLimitsAreSessionSettings(t *testing.T) {
	deep := make([]any, 150)
	for i := range deep {
		deep[i] = "d"
	}
	data, err := bencode.Marshal(map[string]any{"info": map[string]any{"name": "deep", "piece length": int64(16384),
		"pieces": make([]byte, 20), "files": []any{map[string]any{"length": int64(1), "path": deep}}}})
	require.NoError(t, err)

	s := newTestSession(t, "127.0.0.1:0")
	_, err = s.AddTorrent(AddTorrentParams{TorrentData: data, SavePath: t.TempDir()})
	lim := requireLimitErr(t, err, "max_directory_depth")
	require.Equal(t, int64(150), lim.Value)
	fail := collectAlerts(s)[AlertAddTorrentFailed]
	require.Len(t, fail, 1)

	st := NewSettings()
	require.NoError(t, st.SetInt("max_directory_depth", 150))
	require.NoError(t, s.ApplySettings(st))
	tor, err := s.AddTorrent(AddTorrentParams{TorrentData: data, SavePath: t.TempDir(), Paused: true})
	require.NoError(t, err)
	require.Len(t, tor.Files()[0].Path, len("deep/")+150*2-1)

	small := newTestSession(t, "127.0.0.1:0", func(st *Settings) { require.NoError(t, st.SetInt("max_buffer_size", 1024)) })
	_, err = small.AddTorrent(AddTorrentParams{TorrentData: make([]byte, 2000), SavePath: t.TempDir()})
	requireLimitErr(t, err, "max_buffer_size")
	for _, name := range []string{"max_buffer_size", "max_decode_depth", "max_decode_tokens", "max_pieces", "max_directory_depth", "max_duplicate_filenames"} {
		_, ok := LookupSetting(name)
		require.True(t, ok, name)
	}
}

func TestRefusedAddNamesTheInfoHashWhenKnown(t *testing.T) {
	root := t.TempDir()
	mi := createTorrent(t, makeFiles(t, root, map[string]int{"x": 1000}), 16<<10)
	s := newTestSession(t, "127.0.0.1:0")
	_, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	_, err = s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.ErrorIs(t, err, ErrDuplicateTorrent)
	fail := collectAlerts(s)[AlertAddTorrentFailed]
	require.Len(t, fail, 1)
	require.Equal(t, mi.InfoHash, fail[0].InfoHash)
	require.ErrorIs(t, fail[0].Err, ErrDuplicateTorrent)

	_, err = s.AddTorrent(AddTorrentParams{TorrentData: []byte("not bencode"), SavePath: root})
	require.ErrorIs(t, err, ErrInvalidTorrent)
	_, err = s.AddTorrent(AddTorrentParams{TorrentFile: filepath.Join(root, "missing.torrent"), SavePath: root})
	require.ErrorIs(t, err, os.ErrNotExist)
	require.NotErrorIs(t, err, ErrInvalidTorrent)
	_, err = s.AddTorrent(AddTorrentParams{MetaInfo: mi, TorrentFile: "x", SavePath: root})
	require.ErrorIs(t, err, ErrInvalidArgument)
	require.Len(t, collectAlerts(s)[AlertAddTorrentFailed], 3)
}

// A torrent with hostile paths that libtorrent loads is downloaded with its files at the
// sanitised paths, all inside the save directory, and the change is reported once.
func TestHostilePathsAreSanitisedAndDownloadedInsideTheSaveDirectory(t *testing.T) {
	contents := hostileContents()
	data := hostileTorrent(t, "t", contents)

	seedRoot := t.TempDir()
	for i, p := range sanitisedPaths {
		full := filepath.Join(seedRoot, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, contents[i], 0o644))
	}
	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{TorrentData: data, SavePath: seedRoot})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)

	outer := t.TempDir()
	save := filepath.Join(outer, "a", "b")
	leecher := newTestSession(t, "127.0.0.1:0")
	lt, err := leecher.AddTorrent(AddTorrentParams{TorrentData: data, SavePath: save})
	require.NoError(t, err)
	var got []string
	for _, f := range lt.Files() {
		got = append(got, f.Path)
	}
	require.Equal(t, sanitisedPaths, got)
	require.NoError(t, lt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	waitState(t, lt, 30*time.Second, StateSeeding)
	requireSameTree(t, seedRoot, save)

	// Nothing was written outside the save directory.
	var outside []string
	filepath.WalkDir(outer, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(p, save+string(filepath.Separator)) {
			outside = append(outside, p)
		}
		return nil
	})
	require.Empty(t, outside)

	san := collectAlerts(leecher)[AlertTorrentSanitized]
	require.Len(t, san, 1)
	require.Equal(t, lt.InfoHash(), san[0].InfoHash)
	require.Contains(t, san[0].Message, `file 0: path "../../escape.txt" loaded as "escape.txt"`)
	require.Contains(t, san[0].Message, `file 4: "dup.txt" renamed to "dup.1.txt"`)
}

func TestInfoFromPeersIsParsedUnderTheSessionLimits(t *testing.T) {
	deep := make([]string, 101)
	for i := range deep {
		deep[i] = "d"
	}
	info, err := bencode.Marshal(map[string]any{"name": "x", "piece length": int64(16384), "pieces": make([]byte, 20),
		"files": []any{map[string]any{"length": int64(1), "path": deep}}})
	require.NoError(t, err)
	s := newTestSession(t, "127.0.0.1:0")
	_, err = s.parseInfoFromPeers(info)
	requireLimitErr(t, err, metainfo.LimitDirectoryDepth)
	st := NewSettings()
	require.NoError(t, st.SetInt("max_decode_tokens", 50))
	require.NoError(t, s.ApplySettings(st))
	_, err = s.parseInfoFromPeers(info)
	requireLimitErr(t, err, metainfo.LimitDecodeTokens)
}

// The same limits apply to an info dict from peers: a magnet whose metadata has a path past
// max_directory_depth fails with the named limit (issue 9: the deep path behind a magnet grew
// the process to 1.08 GiB).
func TestMagnetMetadataPastALoadLimitIsRefusedByName(t *testing.T) {
	deep := make([]any, 1000)
	for i := range deep {
		deep[i] = "d"
	}
	data, err := bencode.Marshal(map[string]any{"info": map[string]any{"name": "deep", "piece length": int64(16384),
		"pieces": make([]byte, 20), "files": []any{map[string]any{"length": int64(1), "path": deep}}}})
	require.NoError(t, err)
	seeder := newTestSession(t, "127.0.0.1:0", func(st *Settings) { require.NoError(t, st.SetInt("max_directory_depth", 2000)) })
	st, err := seeder.AddTorrent(AddTorrentParams{TorrentData: data, SavePath: t.TempDir()})
	require.NoError(t, err)
	mi, err := metainfo.ParseLimits(data, metainfo.Limits{MaxDirectoryDepth: 2000})
	require.NoError(t, err)

	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	a := waitAlert(t, s, AlertMetadataFailed, "max_directory_depth exceeded: 1000 > 100", 20*time.Second)
	require.ErrorIs(t, a.Err, limits.ErrLimit)
	require.Equal(t, StateError, waitState(t, tor, 10*time.Second, StateError).State)
	require.Equal(t, StateDownloading, st.Status().State, "the seeder, whose limit is raised, has it loaded")
}

// Metadata from peers is sanitised like a .torrent, and the change reported once.
func TestMagnetMetadataIsSanitisedAndReported(t *testing.T) {
	data := hostileTorrent(t, "t", hostileContents())
	seeder := newTestSession(t, "127.0.0.1:0")
	_, err := seeder.AddTorrent(AddTorrentParams{TorrentData: data, SavePath: t.TempDir()})
	require.NoError(t, err)
	mi, err := metainfo.Parse(data)
	require.NoError(t, err)

	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	a := waitAlert(t, s, AlertTorrentSanitized, `renamed to "dup.1.txt"`, 20*time.Second)
	require.Equal(t, mi.InfoHash, a.InfoHash)
	var got []string
	for _, f := range tor.Files() {
		got = append(got, f.Path)
	}
	require.Equal(t, sanitisedPaths, got)
}
