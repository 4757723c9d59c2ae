package metainfo

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Torrents libtorrent 2.0.8 loads (checked with lt.torrent_info; tests/interop/
// test_hostile_torrents.py loads the same shapes in both) that libbt refused before.

func parseFiles(t *testing.T, files ...map[string]any) *MetaInfo {
	t.Helper()
	m, err := Parse(torrentWithInfo(t, multiInfo(16384, files...)))
	require.NoError(t, err)
	return m
}

func paths(m *MetaInfo) []string {
	var out []string
	for _, f := range m.Info.Files {
		out = append(out, f.DisplayPath())
	}
	return out
}

func TestParseLoadsUnsortedKeysWithTheInfoHashOfTheRawBytes(t *testing.T) {
	info := "d6:lengthi1e4:name1:x6:pieces20:" + strings.Repeat("\x00", 20) + "12:piece lengthi16384ee"
	data := []byte("d4:info" + info + "8:announce4:http" + "e")
	m, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, InfoHash(sha1.Sum([]byte(info))), m.InfoHash)
	require.Equal(t, info, string(m.InfoBytes))
	require.Equal(t, "x", m.Info.Name)
	require.Equal(t, "http", m.Announce)
	require.Len(t, m.Sanitized, 1)
	require.Contains(t, m.Sanitized[0], "info dict is not canonical bencoding")
	require.Equal(t, m.Sanitized, m.Info.Sanitized)

	// Unsorted only outside the info dict: noted as such.
	canonInfo := string(enc(t, singleInfo(1, 16384)))
	m, err = Parse([]byte("d4:info" + canonInfo + "8:announce4:httpe"))
	require.NoError(t, err)
	require.Equal(t, []string{`the torrent is not canonical bencoding (bencode: offset 7: dict key "announce" not sorted after "info")`}[0][:40], m.Sanitized[0][:40])
	require.Empty(t, m.Info.Sanitized)
}

func TestParseLoadsATorrentWithTrailingBytes(t *testing.T) {
	data := append(enc(t, map[string]any{"info": singleInfo(1, 16384)}), "\nx"...)
	m, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, InfoHash(sha1.Sum(enc(t, singleInfo(1, 16384)))), m.InfoHash)
	require.Equal(t, []string{"2 bytes after the torrent's dictionary were ignored"}, m.Sanitized)
}

func TestParseSanitisesPathsInsteadOfRefusingThem(t *testing.T) {
	m := parseFiles(t,
		fileEntry(1, "a", "..", "b"),
		fileEntry(1, "c", "", "d"),
		fileEntry(1, ".", "e"),
		fileEntry(1, "f/g", `h\i`),
		fileEntry(1, "/etc/passwd"),
		fileEntry(1, ".."),
		fileEntry(1, "j\x01k", "C:"),
	)
	require.Equal(t, []string{"a/b", "c/_/d", "e", "fg/hi", "etcpasswd", "_", "j_k/C:"}, paths(m))
	require.Len(t, m.Sanitized, 7)
	require.Contains(t, m.Sanitized[0], `file 0: path "a/../b" loaded as "a/b"`)
	for _, f := range m.Info.Files {
		requireSafePath(t, f.Path)
	}
}

func TestParseCutsOverlongElementsKeepingTheExtension(t *testing.T) {
	m := parseFiles(t, fileEntry(1, strings.Repeat("x", 300)+".mkv"))
	require.Equal(t, strings.Repeat("x", 240)+".mkv", m.Info.Files[0].Path[0])
	require.Len(t, m.Sanitized, 1)
}

func TestParseRenamesClashingPathsAsLibtorrent(t *testing.T) {
	m := parseFiles(t,
		fileEntry(1, "a.txt"), fileEntry(1, "A.txt"), fileEntry(1, "a.txt"),
		fileEntry(1, "f"), fileEntry(1, "f", "g"),
		fileEntry(1, "d", "x"), fileEntry(1, "D", "y"),
		fileEntry(1, ".rc"), fileEntry(1, ".rc"),
	)
	require.Equal(t, []string{"a.txt", "A.1.txt", "a.2.txt", "f.1", "f/g", "d/x", "D/y", ".rc", ".1.rc"}, paths(m))
	require.Contains(t, m.Sanitized, `file 1: "A.txt" renamed to "A.1.txt" (its path was taken)`)
	require.Contains(t, m.Sanitized, `file 3: "f" renamed to "f.1" (its path was taken)`)
}

func TestParseRenamesManyDuplicatesInLinearTime(t *testing.T) {
	// libtorrent 2.0.8 loads 40 identical names as a, a.1 ... a.39. libtorrent 2.1 refuses
	// them (it retries from a.1 each time, 741 tries > max_duplicate_filenames); libbt resumes
	// where the last search stopped, so none of these tries are needed.
	var files []map[string]any
	for range 40 {
		files = append(files, fileEntry(1, "a"))
	}
	m := parseFiles(t, files...)
	for i, p := range paths(m) {
		if i == 0 {
			require.Equal(t, "a", p)
		} else {
			require.Equal(t, fmt.Sprintf("a.%d", i), p)
		}
	}
	require.Len(t, m.Sanitized, maxNotes+1)
	require.Equal(t, "and 19 more changes", m.Sanitized[maxNotes])
}

func TestParseLoadsSymlinksWithoutLength(t *testing.T) {
	link := map[string]any{"attr": "l", "path": []any{"l"}, "symlink path": []any{"..", "..", "etc"}}
	noTarget := map[string]any{"attr": "l", "path": []any{"m"}}
	m := parseFiles(t, fileEntry(1, "a"), link, noTarget)
	require.Equal(t, []string{"a", "l", "m"}, paths(m))
	require.Equal(t, "etc", m.Info.Files[1].Symlink)
	require.Zero(t, m.Info.Files[1].Length)
	require.False(t, m.Info.Files[1].OnDisk())
	require.True(t, m.Info.Files[2].OnDisk(), "a symlink without a target is an empty file, as in libtorrent")
	require.Equal(t, int64(1), m.Info.TotalLength)
	require.Contains(t, m.Sanitized[0], "is not created")
}

func TestParseNamesAsLibtorrent(t *testing.T) {
	info := multiInfo(16384, fileEntry(1, "a"))
	info["name"] = ".."
	data := torrentWithInfo(t, info)
	m, err := Parse(data)
	require.NoError(t, err)
	h := sha1.Sum(enc(t, info))
	require.Equal(t, hex.EncodeToString(h[:]), m.Info.Name)

	info["name"] = ""
	m, err = Parse(torrentWithInfo(t, info))
	require.NoError(t, err)
	require.Equal(t, "_", m.Info.Name)

	single := singleInfo(1, 16384)
	single["name"] = "/x"
	m, err = Parse(torrentWithInfo(t, single))
	require.NoError(t, err)
	require.Equal(t, "x", m.Info.Name)
	require.Equal(t, []string{"x"}, m.Info.Files[0].Path)
}

func TestParseIgnoresOptionalKeysOfTheWrongType(t *testing.T) {
	f := fileEntry(1, "a")
	f["attr"] = int64(1)
	f["path.utf-8"] = "not a list"
	info := multiInfo(16384, f)
	info["private"] = "yes"
	info["name.utf-8"] = int64(3)
	m, err := Parse(torrentWithInfo(t, info))
	require.NoError(t, err)
	require.Equal(t, "dir", m.Info.Name)
	require.False(t, m.Info.Private)
	require.Equal(t, []string{"a"}, paths(m))
}

func TestParseTreatsPadFilesWithoutPathAndBitCometPaddingAsPad(t *testing.T) {
	pad := map[string]any{"length": int64(5), "attr": "p"}
	m := parseFiles(t, fileEntry(1, "a"), pad, fileEntry(5, "_____padding_file_0_"))
	require.True(t, m.Info.Files[1].Pad)
	require.Equal(t, []string{".pad", "5"}, m.Info.Files[1].Path)
	require.True(t, m.Info.Files[2].Pad)
}
