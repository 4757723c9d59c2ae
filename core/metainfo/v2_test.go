package metainfo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/create"
	"github.com/libbt/libbt/core/merkle"
)

// ltTorrent is what libtorrent 2.0.8 read back from a torrent it made (testdata/v2/expected.json).
type ltTorrent struct {
	V1, V2      string
	Name        string
	PieceLength int64 `json:"piece_length"`
	TotalSize   int64 `json:"total_size"`
	NumPieces   int   `json:"num_pieces"`
	Files       []struct {
		Path           []string
		Length, Offset int64
		Pad            bool
		Root           string
	}
}

func ltExpected(t testing.TB) map[string]ltTorrent {
	b, err := os.ReadFile("testdata/v2/expected.json")
	require.NoError(t, err)
	var e struct{ Torrents map[string]ltTorrent }
	require.NoError(t, json.Unmarshal(b, &e))
	require.Len(t, e.Torrents, 7)
	return e.Torrents
}

type manifestCase struct {
	Name        string
	Single      bool
	PieceLength int64 `json:"piece_length"`
	Files       []struct {
		Path   []string
		Length int
		Seed   int
		Exec   bool
	}
}

func ltManifest(t testing.TB) []manifestCase {
	b, err := os.ReadFile("testdata/v2/manifest.json")
	require.NoError(t, err)
	var m struct{ Cases []manifestCase }
	require.NoError(t, json.Unmarshal(b, &m))
	return m.Cases
}

// ltContent is make_torrents.py's file content.
func ltContent(length, seed int) []byte {
	b := make([]byte, length)
	for i := range b {
		b[i] = byte((i*7 + i/251 + seed) % 256)
	}
	return b
}

// v2 and hybrid torrents libtorrent made (testdata/v2/make_torrents.py) load as libtorrent
// reads them: info-hashes, name, files with their pad files, offsets and pieces roots, total
// size and pieces; their piece layers are those of the files' contents.
func TestLibtorrentV2AndHybridTorrentsLoadAsLibtorrentReadsThem(t *testing.T) {
	contents := map[string][]byte{} // pieces root -> file content
	for _, c := range ltManifest(t) {
		for _, f := range c.Files {
			data := ltContent(f.Length, f.Seed)
			contents[merkle.FileRoot(merkle.BlockHashes(data)).String()] = data
		}
	}
	for name, want := range ltExpected(t) {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/v2", name))
			require.NoError(t, err)
			m, err := ParseAny(data, DefaultLimits())
			require.NoError(t, err)
			require.Empty(t, m.Sanitized)
			in := &m.Info
			require.Equal(t, want.V2, m.InfoHashes.V2.String())
			require.True(t, in.HasV2())
			if want.V1 != "" {
				require.Equal(t, want.V1, m.InfoHashes.V1.String())
				require.Equal(t, m.InfoHashes.V1, m.InfoHash)
				require.True(t, in.HasV1())
				m2, err := ParseLimits(data, DefaultLimits())
				require.NoError(t, err, "a hybrid is what the session runs")
				require.Equal(t, m.InfoHashes, m2.InfoHashes)
			} else {
				require.False(t, m.InfoHashes.HasV1())
				require.Equal(t, m.InfoHashes.V2.Truncated(), m.InfoHash)
				_, err := ParseLimits(data, DefaultLimits())
				require.ErrorIs(t, err, ErrV2Only)
			}
			require.Equal(t, want.PieceLength, in.PieceLength)
			require.Equal(t, want.TotalSize, in.TotalLength)
			require.Equal(t, want.NumPieces, in.NumPieces())
			require.Len(t, in.Files, len(want.Files))
			for i, wf := range want.Files {
				f := in.Files[i]
				require.Equal(t, wf.Pad, f.Pad, "file %d", i)
				require.Equal(t, wf.Length, f.Length, "file %d", i)
				require.Equal(t, wf.Offset, f.Offset, "file %d", i)
				if !f.Pad {
					require.Equal(t, wf.Path, f.Path, "file %d", i)
				}
				require.Equal(t, wf.Root, in.PiecesRoot(FileIndex(i)).String(), "file %d", i)
				if f.Pad || f.Length == 0 {
					require.Nil(t, m.PieceLayer(FileIndex(i)))
					continue
				}
				content := contents[wf.Root]
				require.NotNil(t, content, "file %d", i)
				require.Equal(t, merkle.PieceLayer(merkle.BlockHashes(content), in.PieceLength), m.PieceLayer(FileIndex(i)), "file %d", i)
			}
			mg := m.Magnet().String()
			require.Contains(t, mg, "xt=urn:btmh:1220"+want.V2)
			parsed, err := ParseMagnetAny(mg)
			require.NoError(t, err)
			require.Equal(t, m.InfoHashes, parsed.InfoHashes())
			if want.V1 != "" {
				require.Contains(t, mg, "xt=urn:btih:"+want.V1)
			} else {
				require.NotContains(t, mg, "btih")
			}
		})
	}
}

// libtorrent's torrent, with one part changed by edit (applied to the decoded torrent).
func editedTorrent(t *testing.T, name string, edit func(top, info map[string]any)) []byte {
	data, err := os.ReadFile(filepath.Join("testdata/v2", name))
	require.NoError(t, err)
	var top map[string]any
	require.NoError(t, looseDecoder.Unmarshal(data, &top))
	edit(top, top["info"].(map[string]any))
	return enc(t, top)
}

func treeEntry(info map[string]any, path ...string) map[string]any {
	d := info["file tree"].(map[string]any)
	for _, e := range path {
		d = d[e].(map[string]any)
	}
	return d[""].(map[string]any)
}

func TestMalformedV2TorrentsGetNamedErrors(t *testing.T) {
	cases := []struct {
		name, torrent string
		edit          func(top, info map[string]any)
		want          error
	}{
		{"root of 31 bytes", "multi.v2.torrent", func(_, info map[string]any) {
			treeEntry(info, "a")["pieces root"] = string(make([]byte, 31))
		}, ErrPiecesRoot},
		{"zero root", "multi.hybrid.torrent", func(_, info map[string]any) {
			treeEntry(info, "a")["pieces root"] = string(make([]byte, 32))
		}, ErrPiecesRoot},
		{"no root", "multi.v2.torrent", func(_, info map[string]any) { delete(treeEntry(info, "sub", "b"), "pieces root") }, ErrPiecesRoot},
		{"negative length", "multi.v2.torrent", func(_, info map[string]any) { treeEntry(info, "a")["length"] = int64(-1) }, ErrFileTree},
		{"pad file in the tree", "multi.v2.torrent", func(_, info map[string]any) { treeEntry(info, "a")["attr"] = "p" }, ErrFileTree},
		{"entry not a dict", "multi.v2.torrent", func(_, info map[string]any) { info["file tree"].(map[string]any)["q"] = int64(1) }, ErrFileTree},
		{"empty name", "multi.v2.torrent", func(_, info map[string]any) {
			info["file tree"].(map[string]any)[""] = map[string]any{"": map[string]any{"length": int64(0)}}
		}, ErrFileTree},
		{"no file tree", "multi.v2.torrent", func(_, info map[string]any) { delete(info, "file tree") }, ErrFileTree},
		{"tree without meta version", "multi.hybrid.torrent", func(_, info map[string]any) { delete(info, "meta version") }, ErrFileTree},
		{"layer of the wrong size", "multi.v2.torrent", func(top, _ map[string]any) {
			for k, v := range top["piece layers"].(map[string]any) {
				top["piece layers"].(map[string]any)[k] = v.(string)[32:]
			}
		}, ErrPieceLayer},
		{"layer key of 20 bytes", "multi.v2.torrent", func(top, _ map[string]any) {
			top["piece layers"].(map[string]any)[strings.Repeat("k", 20)] = ""
		}, ErrPieceLayer},
		{"layer not hashing to its root", "multi.hybrid.torrent", func(top, _ map[string]any) {
			for k, v := range top["piece layers"].(map[string]any) {
				b := []byte(v.(string))
				b[40] ^= 1
				top["piece layers"].(map[string]any)[k] = string(b)
			}
		}, ErrPieceLayerMismatch},
		{"hybrid with a file of another length", "multi.hybrid.torrent", func(_, info map[string]any) {
			treeEntry(info, "Z")["length"] = int64(11)
		}, ErrInconsistentFiles},
		{"hybrid with a file renamed", "multi.hybrid.torrent", func(_, info map[string]any) {
			tree := info["file tree"].(map[string]any)
			tree["Y"], tree["Z"] = tree["Z"], nil
			delete(tree, "Z")
		}, ErrInconsistentFiles},
		{"hybrid without its pad files", "multi.hybrid.torrent", func(_, info map[string]any) {
			var files []any
			for _, f := range info["files"].([]any) {
				if f.(map[string]any)["attr"] != "p" {
					files = append(files, f)
				}
			}
			info["files"] = files
		}, ErrInconsistentFiles},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseAny(editedTorrent(t, c.torrent, c.edit), DefaultLimits())
			require.ErrorIs(t, err, c.want)
		})
	}
	// A layer missing is allowed (to be fetched from peers), as libtorrent allows it.
	m, err := ParseAny(editedTorrent(t, "multi.v2.torrent", func(top, _ map[string]any) { delete(top, "piece layers") }), DefaultLimits())
	require.NoError(t, err)
	require.Empty(t, m.PieceLayers)
	require.Nil(t, m.PieceLayer(4))
	// v2 needs a piece length that is a power of two of at least 16 KiB.
	_, err = ParseAny(editedTorrent(t, "single.v2.torrent", func(_, info map[string]any) { info["piece length"] = int64(8192) }), DefaultLimits())
	require.ErrorContains(t, err, "not a power of two of at least 16 KiB")
}

// fileTree builds a v2 torrent (written directly: the generic encoder is too slow for a
// million entries) whose file tree holds n empty files, each under depth directories.
func fileTree(n, depth int) []byte {
	var b bytes.Buffer
	b.WriteString("d4:infod9:file treed")
	for range depth {
		b.WriteString("1:dd")
	}
	for i := range n {
		key := strconv.FormatInt(int64(i), 36)
		fmt.Fprintf(&b, "%d:%sd0:d6:lengthi0eee", len(key), key)
	}
	for range depth {
		b.WriteString("e")
	}
	b.WriteString("e12:meta versioni2e4:name1:t12:piece lengthi16384eee")
	return b.Bytes()
}

func TestDeepAndHugeFileTreesAreRefusedByTheLimits(t *testing.T) {
	// Each directory is a dict: with the default max_decode_depth (100) the decoder refuses
	// the tree first; past it, max_directory_depth counts the elements of a file's path.
	_, err := ParseAny(fileTree(1, 100), DefaultLimits())
	requireLimit(t, err, LimitDecodeDepth, 101, 100)
	_, err = ParseAny(fileTree(1, 100), Limits{MaxDecodeDepth: 300})
	requireLimit(t, err, LimitDirectoryDepth, 101, 100)
	_, err = ParseAny(fileTree(1, 99), Limits{MaxDecodeDepth: 300})
	require.ErrorContains(t, err, "total length is 0", "100 elements deep is allowed; empty files only")
	_, err = ParseAny(fileTree(1, 120), Limits{MaxDecodeDepth: 300, MaxDirectoryDepth: 200})
	require.ErrorContains(t, err, "total length is 0")

	if testing.Short() {
		t.Skip("builds a 24 MB torrent")
	}
	data := fileTree(1_000_000, 0)
	var err2 error
	n := allocated(func() { _, err2 = ParseAny(data, DefaultLimits()) })
	requireLimit(t, err2, LimitBufferSize, int64(len(data)), 10_000_000)
	require.Less(t, n, uint64(64<<10))
	n = allocated(func() { _, err2 = ParseAny(data, Limits{MaxBufferSize: 1 << 30}) })
	requireLimit(t, err2, LimitDecodeTokens, 3_000_001, 3_000_000)
	require.Less(t, n, uint64(64<<10), "refused while scanning, before the tree is walked")
}

// Create makes, for the files and piece lengths libtorrent was given (testdata/v2), the same
// info dict bytes (so the same v1 and v2 info-hashes) and the same piece layers, hybrid and
// v2-only: name, piece length, file tree, pieces roots, pad files, v1 pieces.
func TestCreateMakesLibtorrentsInfoDictAndPieceLayers(t *testing.T) {
	for _, c := range ltManifest(t) {
		dir := filepath.Join(t.TempDir(), c.Name)
		for _, f := range c.Files {
			p := filepath.Join(append([]string{dir}, f.Path...)...)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			mode := os.FileMode(0o644)
			if f.Exec {
				mode = 0o755
			}
			require.NoError(t, os.WriteFile(p, ltContent(f.Length, f.Seed), mode))
		}
		src := dir
		if c.Single {
			src = filepath.Join(append([]string{dir}, c.Files[0].Path...)...)
		}
		for kind, mode := range map[string]any{"hybrid": CreateHybrid, "v2": CreateV2Only} {
			name := c.Name + "." + kind + ".torrent"
			lt, err := os.ReadFile(filepath.Join("testdata/v2", name))
			require.NoError(t, err)
			data, m, err := Create(CreateOptions{Path: src, Mode: mode.(create.Mode), PieceLength: c.PieceLength, CreationDate: -1, Workers: 3})
			require.NoError(t, err, name)
			require.Equal(t, string(rawValue(lt, "info")), string(m.InfoBytes), name)
			require.Equal(t, string(rawValue(lt, "piece layers")), string(rawValue(data, "piece layers")), name)
			want, err := ParseAny(lt, DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, want.InfoHashes, m.InfoHashes, name)
		}
	}
}
