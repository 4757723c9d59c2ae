package webseed

import (
	"testing"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

func TestFileURLMapsSingleFileTorrents(t *testing.T) {
	info, _ := testTorrent("file name.iso", false, 16<<10, testFile{path: []string{"file name.iso"}, size: 10})
	require.Equal(t, "http://h/dl/x.iso", FileURL("http://h/dl/x.iso", info, 0))
	require.Equal(t, "http://h/dl/file%20name.iso", FileURL("http://h/dl/", info, 0))
	require.Equal(t, "http://h/dl/file%20name.iso?k=v", FileURL("http://h/dl/?k=v", info, 0))
}

func TestFileURLMapsMultiFileTorrentsWithEscapedComponents(t *testing.T) {
	info, _ := multiTorrent()
	require.Equal(t, "http://h/seed/my%20torrent/a.bin", FileURL("http://h/seed", info, 0))
	require.Equal(t, "http://h/seed/my%20torrent/a.bin", FileURL("http://h/seed/", info, 0))
	require.Equal(t, "http://h/seed/my%20torrent/sub%20dir/b+c&d.bin", FileURL("http://h/seed/", info, 1))
	require.Equal(t, "http://h/seed/my%20torrent/sub%20dir/%C3%BCn%C3%AF%3F%23%25.bin", FileURL("http://h/seed/", info, 4))
}

func TestPieceURLFollowsBEP17(t *testing.T) {
	var ih metainfo.InfoHash
	for i := range ih {
		ih[i] = byte(i * 13)
	}
	require.Equal(t, "http://h/seed.php?info_hash=%00%0D%1A%274AN%5Bhu%82%8F%9C%A9%B6%C3%D0%DD%EA%F7&piece=3",
		PieceURL("http://h/seed.php", ih, 3, 0, 99, true))
	require.Equal(t, "http://h/s?x=1&info_hash=%00%0D%1A%274AN%5Bhu%82%8F%9C%A9%B6%C3%D0%DD%EA%F7&piece=8&ranges=49152-131071",
		PieceURL("http://h/s?x=1", ih, 8, 49152, 131071, false))
}

func TestValidateURLRejectsWhatIsNotHTTP(t *testing.T) {
	require.NoError(t, ValidateURL("http://127.0.0.1:8080/x/"))
	require.NoError(t, ValidateURL("https://example.org/a"))
	for _, bad := range []string{"", "ftp://h/x", "http:///x", "/relative", "http://h/x#frag", "http://[::1/"} {
		require.Error(t, ValidateURL(bad), bad)
	}
}

func TestSegmentsSplitRangesByFileAndSkipEmptyFiles(t *testing.T) {
	info, _ := multiTorrent()
	// a.bin is 40000 bytes, then 5 bytes, an empty file, a 1000-byte pad.
	got := segments(info, 39_998, 10)
	require.Equal(t, []segment{
		{file: 0, fileOff: 39_998, n: 2},
		{file: 1, fileOff: 0, n: 5},
		{file: 3, fileOff: 0, n: 3, pad: true},
	}, got)
	require.Equal(t, []segment{{file: 5, fileOff: 0, n: 1}}, segments(info, info.TotalLength-1, 1))
}
