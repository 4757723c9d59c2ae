package session

import (
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"

	"github.com/stretchr/testify/require"
)

// goroutinesDownTo waits (up to 10 s) for the process's goroutine count to fall to want and
// returns the count it saw last.
func goroutinesDownTo(want int) int {
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	return runtime.NumGoroutine()
}

// A paused torrent has no goroutine (issue 10): its inbox starts one when something is posted
// and it ends when the inbox is empty. Resumed torrents keep one while they run.
func TestPausedTorrentsHaveNoGoroutine(t *testing.T) {
	const n = 300
	const slack = 20 // the session's own goroutines coming and going (guard's wrappers, timers)
	s := newTestSession(t, "127.0.0.1:0")
	dir := t.TempDir()
	for _, tor := range addPaused(t, s, synthTorrents(t, 10_000, 5), dir) { // warm up
		require.NoError(t, s.RemoveTorrent(tor, false))
	}
	time.Sleep(200 * time.Millisecond) // the warm-up's goroutines on their way out
	g0 := runtime.NumGoroutine()
	ts := addPaused(t, s, synthTorrents(t, 0, n), dir)
	for _, tor := range ts {
		waitState(t, tor, 20*time.Second, StateDownloading) // checked (no files): nothing more to do
	}
	g1 := goroutinesDownTo(g0)
	t.Logf("%d paused torrents: %+d goroutines", n, g1-g0)
	require.LessOrEqual(t, g1, g0+slack, "%d goroutines for %d paused torrents", g1-g0, n)

	// Asking them answers, and leaves no goroutine behind.
	for _, tor := range ts {
		st := tor.Status()
		require.True(t, st.Paused)
		require.Equal(t, 16, st.NumPieces)
		require.Len(t, tor.Pieces(), 2)
		require.Len(t, tor.Files(), 1)
	}
	require.LessOrEqual(t, goroutinesDownTo(g0), g0+slack, "goroutines left by status calls")

	// Resumed torrents run (one goroutine each, at least); paused again, they give it up.
	for _, tor := range ts[:50] {
		require.NoError(t, tor.Resume())
	}
	require.Greater(t, runtime.NumGoroutine(), g0+40, "running torrents keep their goroutine")
	for _, tor := range ts[:50] {
		require.NoError(t, tor.Pause())
		require.True(t, tor.Status().Paused)
	}
	require.LessOrEqual(t, goroutinesDownTo(g0), g0+slack, "goroutines left by pausing")

	for _, tor := range ts {
		require.NoError(t, s.RemoveTorrent(tor, false))
		require.ErrorIs(t, tor.Pause(), ErrTorrentRemoved)
	}
	require.LessOrEqual(t, goroutinesDownTo(g0), g0+slack)
}

// A torrent added paused has no picker until it is resumed (its status comes from
// core/progress's totals); priorities set meanwhile count, and once resumed it downloads.
func TestPausedTorrentHasNoPickerUntilResumed(t *testing.T) {
	seeder := newTestSession(t, "127.0.0.1:0")
	leecher := newTestSession(t, "127.0.0.1:0")
	root := t.TempDir()
	mi := createTorrent(t, makeFiles(t, root, map[string]int{"a": 300 << 10, "b": 200 << 10}), 64<<10)
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)

	dir := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: dir, Paused: true})
	require.NoError(t, err)
	waitState(t, lt, 10*time.Second, StateDownloading)
	hasPicker := func() (has bool) {
		require.NoError(t, lt.do(func() error { has = lt.picker != nil; return nil }))
		return has
	}
	require.False(t, hasPicker(), "a paused torrent that never ran has no picker")
	status := lt.Status()
	require.EqualValues(t, mi.Info.TotalLength, status.TotalWanted)
	require.Zero(t, status.TotalDone)

	// Skip b: only the pieces a overlaps (from the first, up to the one a ends in, never the
	// torrent's last) are still wanted.
	skip := -1
	var wantA int64
	for i, f := range lt.Files() {
		if strings.HasSuffix(f.Path, "/b") {
			skip = i
		}
		if fa := mi.Info.Files[i]; strings.HasSuffix(f.Path, "/a") {
			require.Zero(t, fa.Offset)
			wantA = ((fa.Length-1)/mi.Info.PieceLength + 1) * mi.Info.PieceLength
		}
	}
	require.Positive(t, wantA)
	require.Less(t, wantA, mi.Info.TotalLength)
	require.NoError(t, lt.SetFilePriority(metainfo.FileIndex(skip), 0))
	require.EqualValues(t, wantA, lt.Status().TotalWanted)
	require.False(t, hasPicker())
	rd, err := lt.SaveResumeData()
	require.NoError(t, err, "a paused torrent without a picker saves its resume data")
	require.NotEmpty(t, rd)

	require.NoError(t, lt.Resume())
	require.True(t, hasPicker())
	require.NoError(t, lt.ConnectPeer(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(seeder.ListenPort()))))
	status = waitState(t, lt, 30*time.Second, StateFinished)
	require.EqualValues(t, wantA, status.TotalWantedDone)
	want, err := os.ReadFile(filepath.Join(root, "content", "a"))
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "content", "a"))
	require.NoError(t, err)
	require.Equal(t, want, got)

	// Paused again with no piece in progress, it gives its picker up; resumed, it has the same
	// pieces and wants the same bytes.
	require.NoError(t, lt.Pause())
	require.False(t, hasPicker())
	require.Equal(t, status.TotalWantedDone, lt.Status().TotalWantedDone)
	require.NoError(t, lt.Resume())
	require.True(t, hasPicker())
	status2 := waitState(t, lt, 10*time.Second, StateFinished)
	require.Equal(t, status.PiecesDone, status2.PiecesDone)
	require.Equal(t, status.TotalWanted, status2.TotalWanted)
	require.NoError(t, lt.SetFilePriority(metainfo.FileIndex(skip), 4)) // b is wanted again: fetched
	waitState(t, lt, 30*time.Second, StateSeeding)
}
