package metainfo

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSanitizeElementMatchesLibtorrent replays elements through libtorrent 2.0.8's
// torrent_info (testdata/libtorrent_2.0.8_elements.jsonl: hex input, hex output as the last
// element of a file's path) and expects the same result, except where libbt follows newer
// libtorrent: DEL and C1 controls become '_'.
func TestSanitizeElementMatchesLibtorrent(t *testing.T) {
	f, err := os.Open("testdata/libtorrent_2.0.8_elements.jsonl")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		var pair [2]string
		require.NoError(t, json.Unmarshal(sc.Bytes(), &pair))
		in, err := hex.DecodeString(pair[0])
		require.NoError(t, err)
		want, err := hex.DecodeString(pair[1])
		require.NoError(t, err)
		if string(in) == "a\x7fb" {
			want = []byte("a_b") // libtorrent 2.0.8 keeps DEL; 2.0.12 replaces it
		}
		got, ok := sanitizeElement(string(in))
		require.True(t, ok)
		require.Equal(t, string(want), got, "element %q", in)
		n++
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 10)
}

func TestSanitizeElementRules(t *testing.T) {
	cases := []struct {
		in, out string
		kept    bool
	}{
		{".", "", false},
		{"..", "", false},
		{"/", "", false},
		{"/./", "", false},
		{"", "_", true},
		{"...", "...", true},
		{"a/b", "ab", true},
		{`..\..\x`, "....x", true},
		{"a\x00b", "a_b", true},
		{"a\u200bb\ufeff", "ab", true},
		{"a\u0085b", "a_b", true},
		{"plain name.txt", "plain name.txt", true},
		{strings.Repeat("y", 300), strings.Repeat("y", 240), true},
		{strings.Repeat("x", 300) + ".mkv", strings.Repeat("x", 240) + ".mkv", true},
		// libtorrent would keep all 1000 '_' (a name no file system takes): cut at 255.
		{strings.Repeat("\xff", 1000), strings.Repeat("_", 255), true},
		{strings.Repeat("\xff", 1000) + ".txt", strings.Repeat("_", 255) + ".txt", true},
	}
	for _, c := range cases {
		got, ok := sanitizeElement(c.in)
		require.Equal(t, c.kept, ok, "%q", c.in)
		require.Equal(t, c.out, got, "%q", c.in)
	}
}

func TestSanitizeElementNeverReturnsAnUnsafeElement(t *testing.T) {
	for _, in := range []string{"..", ".", "", "/..", "../", "\\..", "..\u202e", "\x00", "a/../b"} {
		got, ok := sanitizeElement(in)
		if !ok {
			continue
		}
		requireSafePath(t, []string{got})
	}
}

func TestSanitizePathDropsDotsAndNeverLeavesItEmpty(t *testing.T) {
	p, changed := sanitizePath([]string{"a", "..", "b"})
	require.True(t, changed)
	require.Equal(t, []string{"a", "b"}, p)
	p, changed = sanitizePath([]string{"..", "."})
	require.True(t, changed)
	require.Equal(t, []string{"_"}, p)
	in := []string{"x", "y"}
	p, changed = sanitizePath(in)
	require.False(t, changed)
	require.Equal(t, in, p)
}
