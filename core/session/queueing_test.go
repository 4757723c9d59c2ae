package session

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

// queueTorrents makes n small single-file torrents; with data, their content is on disk under
// the returned root (so they check as seeds), without it they check as empty downloads.
func queueTorrents(t *testing.T, n int, withData bool) ([]*metainfo.MetaInfo, string) {
	t.Helper()
	root := t.TempDir()
	var mis []*metainfo.MetaInfo
	for i := range n {
		dir := filepath.Join(root, fmt.Sprintf("t%04d", i))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte(strings.Repeat(fmt.Sprint(i), 100)), 0o644))
		mi := createTorrent(t, dir, 16<<10)
		mis = append(mis, mi)
		if !withData {
			require.NoError(t, os.RemoveAll(dir))
		}
	}
	return mis, root
}

func queueSettings(downloads, seeds, checking, limit int64) func(*Settings) {
	return func(st *Settings) {
		for name, v := range map[string]int64{"active_downloads": downloads, "active_seeds": seeds,
			"active_checking": checking, "active_limit": limit} {
			if err := st.SetInt(name, v); err != nil {
				panic(err)
			}
		}
	}
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// running returns the torrents that are not paused.
func running(ts []*Torrent) map[*Torrent]bool {
	out := map[*Torrent]bool{}
	for _, tor := range ts {
		if !tor.snapshot.Load().Paused {
			out[tor] = true
		}
	}
	return out
}

func TestQueueRunsActiveDownloadsInQueueOrder(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0", queueSettings(2, 5, -1, 500))
	mis, root := queueTorrents(t, 8, false)
	var ts []*Torrent
	for _, mi := range mis {
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, Paused: true, AutoManaged: true})
		require.NoError(t, err)
		ts = append(ts, tor)
	}
	for i, tor := range ts {
		require.Equal(t, i, tor.QueuePosition(), "queued in the order added")
		require.True(t, tor.AutoManaged())
	}
	eventually(t, 20*time.Second, "two downloads at the front running", func() bool {
		r := running(ts)
		return len(r) == 2 && r[ts[0]] && r[ts[1]] &&
			ts[0].snapshot.Load().State == StateDownloading && ts[7].snapshot.Load().State == StateDownloading
	})
	waitAlert(t, s, AlertTorrentResumed, "auto-managed: started", time.Second)

	// The first goes to the back: the third takes its slot, the first is queued.
	require.NoError(t, ts[0].QueuePositionBottom())
	require.Equal(t, 7, ts[0].QueuePosition())
	require.Equal(t, 0, ts[1].QueuePosition())
	waitAlert(t, s, AlertTorrentPaused, ts[0].Name()+" paused (auto-managed: queued, active_downloads reached)", 10*time.Second)
	eventually(t, 10*time.Second, "the second and third running", func() bool {
		r := running(ts)
		return len(r) == 2 && r[ts[1]] && r[ts[2]]
	})

	// Taken out of the queue's hands, a torrent stays as the user leaves it.
	require.NoError(t, ts[5].SetAutoManaged(false))
	require.NoError(t, ts[5].Resume())
	require.NoError(t, s.ApplySettings(queueSettingsPack(t, 1)))
	eventually(t, 10*time.Second, "one auto-managed download beside the manual one", func() bool {
		r := running(ts)
		return len(r) == 2 && r[ts[1]] && r[ts[5]]
	})
	st := ts[5].Status()
	require.False(t, st.AutoManaged)
	require.False(t, st.Paused)
}

func queueSettingsPack(t *testing.T, downloads int64) *Settings {
	st := NewSettings()
	require.NoError(t, st.SetInt("active_downloads", downloads))
	return st
}

func TestQueueRunsActiveSeedsAndChecksQueuedTorrentsWhenStarted(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0", queueSettings(3, 2, 1, 500))
	mis, root := queueTorrents(t, 5, true)
	var ts []*Torrent
	for _, mi := range mis {
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, Paused: true, AutoManaged: true})
		require.NoError(t, err)
		ts = append(ts, tor)
	}
	// One check at a time (active_checking 1), each started by the queue; all end as seeds out
	// of the download queue, two of them seeding.
	eventually(t, 30*time.Second, "every torrent checked", func() bool {
		for _, tor := range ts {
			if st := tor.snapshot.Load().State; st != StateSeeding {
				return false
			}
		}
		return true
	})
	eventually(t, 10*time.Second, "two seeds running", func() bool { return len(running(ts)) == 2 })
	for _, tor := range ts {
		require.Equal(t, -1, tor.QueuePosition(), "seeds are not in the download queue")
		require.NoError(t, tor.QueuePositionUp(), "moving a seed is ignored, as in libtorrent")
	}
}

func TestQueuePositionMovesClampAndRefuseNegative(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0", queueSettings(-1, -1, -1, -1))
	mis, root := queueTorrents(t, 4, false)
	var ts []*Torrent
	for _, mi := range mis {
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, Paused: true})
		require.NoError(t, err)
		ts = append(ts, tor)
	}
	require.NoError(t, ts[0].QueuePositionSet(1000))
	require.Equal(t, 3, ts[0].QueuePosition(), "past the end clamps to the last place")
	require.ErrorIs(t, ts[1].QueuePositionSet(-1), ErrInvalidArgument)
	require.NoError(t, ts[3].QueuePositionTop())
	require.NoError(t, ts[2].QueuePositionDown())
	got := make([]int, 4)
	for i, tor := range ts {
		got[i] = tor.QueuePosition()
	}
	require.Equal(t, []int{2, 1, 3, 0}, got)
	require.NoError(t, s.RemoveTorrent(ts[3], false))
	require.Equal(t, 1, ts[0].QueuePosition(), "the ones behind a removed torrent move up")
	require.Equal(t, 0, ts[1].QueuePosition())
	require.ErrorIs(t, ts[3].QueuePositionUp(), ErrTorrentRemoved)
	require.ErrorIs(t, ts[3].SetAutoManaged(true), ErrTorrentRemoved)
}
