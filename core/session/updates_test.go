package session

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// drainUpdates takes batches until one comes back empty, i.e. the torrents have settled, and
// returns every update seen on the way.
func drainUpdates(t *testing.T, s *Session) map[*Torrent]Status {
	t.Helper()
	seen := map[*Torrent]Status{}
	require.Eventually(t, func() bool {
		batch := s.TorrentUpdates()
		for _, u := range batch {
			seen[u.Torrent] = u.Status
		}
		return len(batch) == 0
	}, 10*time.Second, 50*time.Millisecond, "the session's torrents settle")
	return seen
}

func TestTorrentUpdatesReturnOnlyWhatChanged(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0")
	var torrents []*Torrent
	for i := range 5 {
		dir := makeFiles(t, t.TempDir(), map[string]int{fmt.Sprintf("f%d", i): 40 << 10})
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: createTorrent(t, dir, 16<<10), SavePath: t.TempDir(), Paused: true})
		require.NoError(t, err)
		torrents = append(torrents, tor)
	}

	first := drainUpdates(t, s)
	require.Len(t, first, len(torrents), "the first batches name every torrent")
	for _, tor := range torrents {
		st, ok := first[tor]
		require.True(t, ok)
		require.True(t, st.Paused)
		require.Equal(t, tor.InfoHash(), st.InfoHash)
	}
	require.Empty(t, s.TorrentUpdates(), "nothing changed since")

	// One torrent changes: only it is in the next batch, with its new status.
	require.NoError(t, torrents[2].Resume())
	var batch []TorrentUpdate
	require.Eventually(t, func() bool { batch = s.TorrentUpdates(); return len(batch) > 0 }, 5*time.Second, 10*time.Millisecond)
	require.Len(t, batch, 1)
	require.Same(t, torrents[2], batch[0].Torrent)
	require.False(t, batch[0].Status.Paused)
	drainUpdates(t, s)

	// A batch that does not fit takes nothing; one that fits takes them all.
	require.NoError(t, torrents[0].Resume())
	require.NoError(t, torrents[1].Resume())
	require.Eventually(t, func() bool { _, n := s.TorrentUpdatesUpTo(0); return n == 2 }, 5*time.Second, 10*time.Millisecond)
	none, n := s.TorrentUpdatesUpTo(1)
	require.Nil(t, none)
	require.Equal(t, 2, n)
	got, n := s.TorrentUpdatesUpTo(2)
	require.Equal(t, 2, n)
	require.ElementsMatch(t, []*Torrent{torrents[0], torrents[1]}, []*Torrent{got[0].Torrent, got[1].Torrent})

	// A removed torrent is not reported, even if it changed before it went.
	drainUpdates(t, s)
	require.NoError(t, torrents[4].Resume())
	require.NoError(t, s.RemoveTorrent(torrents[4], false))
	_, reported := drainUpdates(t, s)[torrents[4]]
	require.False(t, reported, "a removed torrent is not in the batch")
}
