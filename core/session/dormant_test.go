package session

import (
	"runtime"
	"testing"
	"time"

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
