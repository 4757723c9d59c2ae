package metainfo

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/limits"
)

// manyFiles builds a .torrent with n one-byte files named by index, piece length 16 KiB,
// written directly (the generic encoder is too slow for a million files).
func manyFiles(n int, path func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString("d4:infod5:filesl")
	for i := range n {
		p := path(i)
		fmt.Fprintf(&b, "d6:lengthi1e4:pathl%d:%see", len(p), p)
	}
	pieces := (n + 16383) / 16384
	fmt.Fprintf(&b, "e4:name3:dir12:piece lengthi16384e6:pieces%d:", 20*pieces)
	b.Write(make([]byte, 20*pieces))
	b.WriteString("ee")
	return b.Bytes()
}

func requireLimit(t *testing.T, err error, name string, value, max int64) {
	t.Helper()
	var lim *limits.Error
	require.ErrorAs(t, err, &lim, "want a limit error, got %v", err)
	require.True(t, errors.Is(err, limits.ErrLimit))
	require.Equal(t, limits.Error{Limit: name, Value: value, Max: max}, *lim)
	require.ErrorContains(t, err, "metainfo: ")
}

func TestDefaultLimitsAreLibtorrents(t *testing.T) {
	require.Equal(t, Limits{MaxBufferSize: 10_000_000, MaxDecodeDepth: 100, MaxDecodeTokens: 3_000_000,
		MaxPieces: 0x200000, MaxDirectoryDepth: 100, MaxDuplicateFilenames: 500}, DefaultLimits())
}

func TestParseRefusesInputPastEachLimitWithItsName(t *testing.T) {
	lim := DefaultLimits()

	_, err := ParseLimits(make([]byte, 101), Limits{MaxBufferSize: 100})
	requireLimit(t, err, LimitBufferSize, 101, 100)

	deep := []byte("d4:info" + strings.Repeat("l", 100) + strings.Repeat("e", 100) + "e")
	_, err = ParseLimits(deep, lim)
	requireLimit(t, err, LimitDecodeDepth, 101, 100)

	data := manyFiles(100, func(i int) string { return strconv.Itoa(i) })
	_, err = ParseLimits(data, Limits{MaxDecodeTokens: 500})
	requireLimit(t, err, LimitDecodeTokens, 501, 500)
	_, err = ParseLimits(data, Limits{MaxDecodeTokens: 900})
	require.NoError(t, err, "100 files take 8 tokens each, and 11 more for the rest")

	info := singleInfo(100*16384, 16384)
	_, err = ParseLimits(torrentWithInfo(t, info), Limits{MaxPieces: 99})
	requireLimit(t, err, LimitPieces, 100, 99)
	info["pieces"] = make([]byte, 20) // a lie about the count: still refused by the total length
	_, err = ParseLimits(torrentWithInfo(t, info), Limits{MaxPieces: 99})
	requireLimit(t, err, LimitPieces, 100, 99)

	deepPath := make([]string, 101)
	for i := range deepPath {
		deepPath[i] = "d"
	}
	_, err = Parse(torrentWithInfo(t, multiInfo(16384, fileEntry(1, deepPath...))))
	requireLimit(t, err, LimitDirectoryDepth, 101, 100)
	_, err = Parse(torrentWithInfo(t, multiInfo(16384, fileEntry(1, deepPath[:100]...))))
	require.NoError(t, err)
}

func TestRenamingStopsAtMaxDuplicateFilenames(t *testing.T) {
	// Names a.1 ... a.600 are taken by files of their own; the next "a" tries each of them.
	files := []map[string]any{fileEntry(1, "a")}
	for i := 1; i <= 600; i++ {
		files = append(files, fileEntry(1, "a."+strconv.Itoa(i)))
	}
	files = append(files, fileEntry(1, "a"))
	_, err := Parse(torrentWithInfo(t, multiInfo(16384, files...)))
	requireLimit(t, err, LimitDuplicateFilenames, 501, 500)
	m, err := ParseLimits(torrentWithInfo(t, multiInfo(16384, files...)), Limits{MaxDuplicateFilenames: 600})
	require.NoError(t, err)
	require.Equal(t, "a.601", m.Info.Files[601].DisplayPath())
}

func TestReadFileStopsReadingAtMaxBufferSize(t *testing.T) {
	// /dev/zero never ends: the reader stops one byte past the limit.
	_, err := ReadFile("/dev/zero", Limits{MaxBufferSize: 1 << 20})
	requireLimit(t, err, LimitBufferSize, 1<<20+1, 1<<20)
	_, err = ReadFile("/dev/zero", DefaultLimits())
	requireLimit(t, err, LimitBufferSize, 10_000_001, 10_000_000)

	dir := t.TempDir()
	big := filepath.Join(dir, "big.torrent")
	require.NoError(t, os.WriteFile(big, make([]byte, 2000), 0o644))
	_, err = ReadFile(big, Limits{MaxBufferSize: 1000})
	requireLimit(t, err, LimitBufferSize, 2000, 1000)

	ok := filepath.Join(dir, "ok.torrent")
	require.NoError(t, os.WriteFile(ok, torrentWithInfo(t, singleInfo(1, 16384)), 0o644))
	m, err := ReadFile(ok, DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, "file.bin", m.Info.Name)

	_, err = ReadFile(filepath.Join(dir, "missing"), DefaultLimits())
	require.ErrorIs(t, err, os.ErrNotExist)
}

// allocated returns the bytes f allocates on the heap (runtime.MemStats.TotalAlloc, an upper
// bound of the live heap it adds).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

func TestAMillionFilesAreRefusedWithoutDecodingThem(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 26 MB torrent")
	}
	data := manyFiles(1_000_000, func(i int) string { return strconv.Itoa(i) + ".bin" })
	require.Greater(t, len(data), 20_000_000)
	var err error
	n := allocated(func() { _, err = ParseLimits(data, DefaultLimits()) })
	requireLimit(t, err, LimitBufferSize, int64(len(data)), 10_000_000)
	require.Less(t, n, uint64(64<<10))

	// With the buffer limit raised, the token count refuses it while scanning, before any of
	// it is decoded: the allocations are those of the error, not of a million files.
	n = allocated(func() { _, err = ParseLimits(data, Limits{MaxBufferSize: 1 << 30}) })
	requireLimit(t, err, LimitDecodeTokens, 3_000_001, 3_000_000)
	require.Less(t, n, uint64(64<<10))
}

func TestLoadingMemoryIsBoundedByTheTokenLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 9 MB torrent")
	}
	// The most files the default token limit lets through (8 tokens each): the heap a load
	// allocates in all, per token, is the bound stated in Limits' doc.
	const files = 370_000
	data := manyFiles(files, func(i int) string { return strconv.FormatInt(int64(i), 36) })
	var m *MetaInfo
	var err error
	n := allocated(func() { m, err = Parse(data) })
	require.NoError(t, err)
	require.Len(t, m.Info.Files, files)
	perToken := n / (files * 8)
	t.Logf("%d files, %d bytes: %d MB allocated, %d bytes per token", files, len(data), n>>20, perToken)
	require.Less(t, perToken, uint64(80), "the bound written in Limits' doc")
}
