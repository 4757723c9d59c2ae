package metainfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libbt/libbt/core/bencode"
	"github.com/stretchr/testify/require"
)

// enc bencodes v or fails the test.
func enc(t testing.TB, v any) []byte {
	t.Helper()
	b, err := bencode.Marshal(v)
	require.NoError(t, err)
	return b
}

// torrentWithInfo wraps an info dict (as a map) in a minimal torrent.
func torrentWithInfo(t testing.TB, info map[string]any) []byte {
	return enc(t, map[string]any{"announce": "http://127.0.0.1:1/announce", "info": info})
}

// singleInfo returns a valid single-file info dict of the given length.
func singleInfo(length, pieceLength int64) map[string]any {
	n := (length + pieceLength - 1) / pieceLength
	return map[string]any{
		"name":         "file.bin",
		"length":       length,
		"piece length": pieceLength,
		"pieces":       make([]byte, 20*n),
	}
}

// multiInfo returns a valid multi-file info dict with the given files.
func multiInfo(pieceLength int64, files ...map[string]any) map[string]any {
	var total int64
	for _, f := range files {
		l, _ := f["length"].(int64) // symlinks have none
		total += l
	}
	n := (total + pieceLength - 1) / pieceLength
	if total <= 0 || n > 1<<20 { // overflowed or absurd: the test expects an earlier error
		n = 1
	}
	list := make([]any, len(files))
	for i, f := range files {
		list[i] = f
	}
	return map[string]any{
		"name":         "dir",
		"files":        list,
		"piece length": pieceLength,
		"pieces":       make([]byte, 20*n),
	}
}

func fileEntry(length int64, path ...string) map[string]any {
	p := make([]any, len(path))
	for i, c := range path {
		p[i] = c
	}
	return map[string]any{"length": length, "path": p}
}

// writeFile creates dir/rel with n bytes of deterministic content.
func writeFile(t testing.TB, dir, rel string, n int, seed byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7+i/251)
	}
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

// requireSafePath fails unless every element can be joined under a directory without leaving
// it on Linux: not empty, ".", "..", and no '/', '\\' or NUL.
func requireSafePath(t testing.TB, p []string) {
	t.Helper()
	require.NotEmpty(t, p)
	for _, e := range p {
		require.False(t, e == "" || e == "." || e == ".." || strings.ContainsAny(e, "/\\\x00"), "unsafe element %q in %q", e, p)
	}
}
