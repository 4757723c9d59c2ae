package metainfo

import (
	"context"
	"crypto/sha1"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/create"
)

// expectedPieces hashes the concatenation of the given files.
func expectedPieces(t *testing.T, pieceLength int, paths ...string) []byte {
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		all = append(all, b...)
	}
	var out []byte
	for off := 0; off < len(all); off += pieceLength {
		h := sha1.Sum(all[off:min(off+pieceLength, len(all))])
		out = append(out, h[:]...)
	}
	return out
}

func TestCreateSingleFileTorrentParsesBack(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "movie.mkv", 100_000, 1)
	path := filepath.Join(dir, "movie.mkv")
	data, m, err := Create(CreateOptions{
		Path:         path,
		Mode:         CreateV1Only,
		PieceLength:  16384,
		Trackers:     [][]string{{"http://127.0.0.1:6969/announce"}},
		Comment:      "c",
		CreatedBy:    "libbt test",
		CreationDate: 1700000000,
	})
	require.NoError(t, err)
	parsed, err := Parse(data)
	require.NoError(t, err)
	require.Equal(t, m, parsed)
	require.False(t, m.Info.MultiFile)
	require.Equal(t, "movie.mkv", m.Info.Name)
	require.Equal(t, int64(100_000), m.Info.TotalLength)
	require.Equal(t, expectedPieces(t, 16384, path), m.Info.Pieces)
	require.Equal(t, "http://127.0.0.1:6969/announce", m.Announce)
	require.Nil(t, m.AnnounceList, "one tracker needs no announce-list")
	require.Equal(t, int64(1700000000), m.CreationDate)
	require.Equal(t, "c", m.Comment)
	require.Equal(t, "libbt test", m.CreatedBy)
	require.Equal(t, InfoHash(sha1.Sum(m.InfoBytes)), m.InfoHash)
	require.Contains(t, string(data), "6:lengthi100000e4:name9:movie.mkv12:piece lengthi16384e6:pieces")
}

func TestCreateMultiFileTorrentWithOddSizesAndSubfolder(t *testing.T) {
	root := filepath.Join(t.TempDir(), "album")
	sizes := map[string]int{
		"b.txt":          16383,
		"a.txt":          1,
		"empty":          0,
		"sub/z.bin":      16385,
		"sub/deeper/x":   40000,
		"sub/a.bin":      7,
		"c-after-sub.md": 12345,
	}
	i := byte(0)
	for rel, n := range sizes {
		writeFile(t, root, rel, n, i)
		i += 3
	}
	require.NoError(t, os.Symlink(filepath.Join(root, "a.txt"), filepath.Join(root, "link")))

	var calls [][2]int
	data, m, err := Create(CreateOptions{
		Path:         root,
		Mode:         CreateV1Only,
		PieceLength:  16384,
		Trackers:     [][]string{{"http://127.0.0.1:1/a", ""}, {}, {"udp://127.0.0.1:2"}},
		WebSeeds:     []string{"http://127.0.0.1:3/"},
		Private:      true,
		CreationDate: -1,
		Workers:      3,
		Progress:     func(done, total int) { calls = append(calls, [2]int{done, total}) },
	})
	require.NoError(t, err)
	require.True(t, m.Info.MultiFile)
	require.True(t, m.Info.Private)
	require.Equal(t, "album", m.Info.Name)
	var got []string
	for _, f := range m.Info.Files {
		got = append(got, f.DisplayPath())
	}
	// Sorted component by component; symlink skipped; empty file kept.
	order := []string{"a.txt", "b.txt", "c-after-sub.md", "empty", "sub/a.bin", "sub/deeper/x", "sub/z.bin"}
	require.Equal(t, order, got)
	var paths []string
	var total int64
	for _, rel := range order {
		paths = append(paths, filepath.Join(root, filepath.FromSlash(rel)))
		total += int64(sizes[rel])
	}
	require.Equal(t, total, m.Info.TotalLength)
	require.Equal(t, expectedPieces(t, 16384, paths...), m.Info.Pieces)
	require.Equal(t, [][]string{{"http://127.0.0.1:1/a"}, {"udp://127.0.0.1:2"}}, m.AnnounceList)
	require.Equal(t, "http://127.0.0.1:1/a", m.Announce)
	require.Equal(t, []string{"http://127.0.0.1:3/"}, m.URLList)
	require.Zero(t, m.CreationDate)
	require.NotContains(t, string(data), "creation date")
	require.NotEmpty(t, calls)
	require.Equal(t, [2]int{m.Info.NumPieces(), m.Info.NumPieces()}, calls[len(calls)-1])

	// The result does not depend on the number of workers.
	data1, _, err := Create(CreateOptions{Path: root, Mode: CreateV1Only, PieceLength: 16384, Private: true, CreationDate: -1, Workers: 1,
		Trackers: [][]string{{"http://127.0.0.1:1/a"}, {"udp://127.0.0.1:2"}}, WebSeeds: []string{"http://127.0.0.1:3/"}})
	require.NoError(t, err)
	require.Equal(t, data, data1)
}

func TestCreatePicksPowerOfTwoPieceLength(t *testing.T) {
	cases := []struct{ total, want int64 }{
		{1, 16 << 10},
		{2000 * 16 << 10, 16 << 10},
		{2000*16<<10 + 1, 32 << 10},
		{700 << 20, 512 << 10},
		{4 << 30, 4 << 20},
		{1 << 40, 16 << 20},
	}
	for _, c := range cases {
		pl := create.AutoPieceLength(c.total)
		require.Equal(t, c.want, pl, "total %d", c.total)
		if c.total > 2000*16<<10 && c.total < 2000*16<<20 {
			n := (c.total + pl - 1) / pl
			require.True(t, n > 1000 && n <= 2000, "total %d gives %d pieces", c.total, n)
		}
	}

	dir := t.TempDir()
	writeFile(t, dir, "f", 100, 0)
	_, m, err := Create(CreateOptions{Path: filepath.Join(dir, "f")})
	require.NoError(t, err)
	require.Equal(t, int64(16384), m.Info.PieceLength)
	require.NotZero(t, m.CreationDate, "0 means now")
}

func TestCreateRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "f", 100, 0)
	_, _, err := Create(CreateOptions{Path: filepath.Join(dir, "f"), PieceLength: 20000})
	require.ErrorContains(t, err, "piece length 20000 is not a power of two")
	_, _, err = Create(CreateOptions{Path: filepath.Join(dir, "f"), PieceLength: 8192})
	require.ErrorContains(t, err, "not a power of two from 16384")
	_, _, err = Create(CreateOptions{Path: filepath.Join(dir, "missing")})
	require.Error(t, err)

	emptyDir := filepath.Join(dir, "emptydir")
	require.NoError(t, os.MkdirAll(filepath.Join(emptyDir, "sub"), 0o755))
	_, _, err = Create(CreateOptions{Path: emptyDir})
	require.ErrorContains(t, err, "contains no regular files")
	writeFile(t, emptyDir, "zero", 0, 0)
	_, _, err = Create(CreateOptions{Path: emptyDir})
	require.ErrorContains(t, err, "holds no data")

	bad := filepath.Join(dir, "bad")
	writeFile(t, bad, `back\slash`, 10, 0)
	_, _, err = Create(CreateOptions{Path: bad})
	require.ErrorContains(t, err, "contains a path separator")
}

func TestCreateStopsWhenContextIsCancelled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "f", 4<<20, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Create(CreateOptions{Path: filepath.Join(dir, "f"), Context: ctx})
	require.ErrorIs(t, err, context.Canceled)
}

// TestCreatedTorrentIsAcceptedByLibtorrent checks interoperability with
// the reference implementation; python3-libtorrent is a test dependency
// (make deps), so its absence fails the test (-short skips it).
func TestCreatedTorrentIsAcceptedByLibtorrent(t *testing.T) {
	const py = "/usr/bin/python3"
	if testing.Short() {
		t.Skip("libtorrent interop: skipped with -short")
	}
	if out, err := exec.Command(py, "-c", "import libtorrent").CombinedOutput(); err != nil {
		t.Fatalf("libtorrent interop needs python3-libtorrent (make deps): %v\n%s", err, out)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "content")
	writeFile(t, root, "one.bin", 70000, 1)
	writeFile(t, root, "sub/two.bin", 5, 2)
	writeFile(t, root, "sub/three.bin", 33333, 3)
	single := filepath.Join(dir, "single.dat")
	writeFile(t, dir, "single.dat", 123456, 4)

	for _, opts := range []CreateOptions{
		{Path: root, Trackers: [][]string{{"http://127.0.0.1:1/a", "http://127.0.0.1:2/a"}, {"udp://127.0.0.1:3"}}, WebSeeds: []string{"http://127.0.0.1:4/"}, Private: true, Comment: "x"},
		{Path: single, PieceLength: 32768},
		{Path: root, Mode: CreateV1Only, Trackers: [][]string{{"http://127.0.0.1:1/a"}}, Private: true},
		{Path: single, Mode: CreateV1Only, PieceLength: 32768},
	} {
		data, m, err := Create(opts)
		require.NoError(t, err)
		tf := filepath.Join(dir, "t.torrent")
		require.NoError(t, os.WriteFile(tf, data, 0o644))
		script := `import libtorrent as lt,sys
ti=lt.torrent_info(sys.argv[1])
print(ti.info_hashes().v1)
print(ti.num_pieces(), ti.total_size(), ti.num_files(), ti.priv())
print(";".join(ti.files().file_path(i) for i in range(ti.num_files())))
print(";".join(t.url for t in ti.trackers()))`
		out, err := exec.Command(py, "-c", script, tf).CombinedOutput()
		require.NoError(t, err, "%s", out)
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		require.Len(t, lines, 4, "%s", out)
		require.Equal(t, m.InfoHash.String(), lines[0])
		var files []string
		for _, f := range m.Info.Files {
			if m.Info.MultiFile {
				files = append(files, m.Info.Name+"/"+f.DisplayPath())
			} else {
				files = append(files, f.DisplayPath())
			}
		}
		priv := "False"
		if m.Info.Private {
			priv = "True"
		}
		require.Equal(t, strings.Join([]string{itoa(m.Info.NumPieces()), itoa64(m.Info.TotalLength), itoa(len(m.Info.Files)), priv}, " "), lines[1])
		require.Equal(t, strings.Join(files, ";"), lines[2])
		var trackers []string
		for _, tier := range m.TrackerTiers() {
			trackers = append(trackers, tier...)
		}
		lt := strings.Split(lines[3], ";")
		if lines[3] == "" {
			lt = nil
		}
		require.ElementsMatch(t, trackers, lt, "libtorrent shuffles within a tier")
	}
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func BenchmarkCreateHashing(b *testing.B) {
	dir := b.TempDir()
	writeFile(b, dir, "f", 256<<20, 0)
	b.SetBytes(256 << 20)
	for b.Loop() {
		if _, _, err := Create(CreateOptions{Path: filepath.Join(dir, "f"), PieceLength: 1 << 20}); err != nil {
			b.Fatal(err)
		}
	}
}
