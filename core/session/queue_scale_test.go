package session

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/queue"
	"github.com/stretchr/testify/require"
)

// Issue 10: 2,000 auto-managed torrents under small limits. 1,990 are complete on disk, 9 have
// their data only on a second session (which uploads slowly, so each download takes seconds),
// one cannot be checked (its save path is a file). Every queue pass keeps the limits; the
// downloads start in queue order and finish from the seeder, each finish letting the next one
// in; a finished download, whose share ratio is not met, takes a seeding slot from a seed that
// met its limits, and gives it up in turn once seed_time_limit passes; the broken torrent
// fails with its alerts and holds no slot.
func TestQueueOf2000AutoManagedTorrents(t *testing.T) {
	const (
		n          = 2000
		downloads  = 9
		activeDown = 3
		activeSeed = 4
		activeChk  = 250
	)
	root := t.TempDir()
	seedRoot := filepath.Join(root, "seeder")
	var mis []*metainfo.MetaInfo
	var contents [][]byte
	for i := range n {
		dir := filepath.Join(root, "src", fmt.Sprintf("t%04d", i))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		data := []byte(strings.Repeat(fmt.Sprintf("torrent %d;", i), 40))
		if i >= 1 && i <= downloads {
			data = bytes.Repeat(fmt.Appendf(nil, "download %d;", i), 64<<10/12)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), data, 0o644))
		mis = append(mis, createTorrent(t, dir, 16<<10))
		contents = append(contents, data)
	}
	// The downloads (torrents 1..12) have their data with the seeder only.
	seeder := newTestSession(t, "127.0.0.1:0", func(st *Settings) {
		require.NoError(t, st.SetInt("upload_rate_limit", 48_000)) // 3 downloads of 64 KiB: 4 s each
	})
	for i := 1; i <= downloads; i++ {
		dir := filepath.Join(seedRoot, fmt.Sprintf("t%04d", i))
		require.NoError(t, os.MkdirAll(seedRoot, 0o755))
		require.NoError(t, os.Rename(filepath.Join(root, "src", fmt.Sprintf("t%04d", i)), dir))
		_, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mis[i], SavePath: seedRoot})
		require.NoError(t, err)
	}
	seederAddr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(seeder.ListenPort()))

	var mu sync.Mutex
	var passes []queue.Decision
	var violations []string
	hooks := testHooks{queuePass: func(d *queue.Decision, ts []queue.Torrent) {
		mu.Lock()
		defer mu.Unlock()
		passes = append(passes, *d)
		if d.Downloading > activeDown || d.Seeding > activeSeed || d.Checking > activeChk || d.Slow > 0 {
			violations = append(violations, fmt.Sprintf("pass %d: %d downloading, %d seeding, %d checking, %d slow",
				len(passes), d.Downloading, d.Seeding, d.Checking, d.Slow))
		}
	}}
	s := newHookedSession(t, hooks, queueSettings(activeDown, activeSeed, activeChk, 500), func(st *Settings) {
		require.NoError(t, st.SetInt("seed_time_limit", 3))
		require.NoError(t, st.SetBool("dont_count_slow_torrents", false))
		require.NoError(t, st.SetInt("alert_queue_size", 100_000))
	})
	// Torrent 0 cannot be checked: its save path is a file.
	blocked := filepath.Join(root, "blocked")
	require.NoError(t, os.WriteFile(blocked, nil, 0o644))
	ts := make([]*Torrent, n)
	for i, mi := range mis {
		save := filepath.Join(root, "src")
		switch {
		case i == 0:
			save = blocked
		case i <= downloads:
			save = filepath.Join(root, "dl")
		}
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save, Paused: true, AutoManaged: true})
		require.NoError(t, err)
		if i >= 1 && i <= downloads {
			require.NoError(t, tor.ConnectPeer(seederAddr)) // kept as a candidate while queued
		}
		ts[i] = tor
		// Added at the end of the download queue, behind every torrent still in it.
		p := tor.QueuePosition()
		require.GreaterOrEqual(t, p, 0, "torrent %d", i)
		if i > 0 {
			require.Less(t, ts[i-1].QueuePosition(), p, "torrent %d", i)
		}
	}

	byTorrent := map[*Torrent][]Alert{}
	pop := func() {
		for _, a := range s.PopAlerts() {
			if a.Torrent != nil {
				byTorrent[a.Torrent] = append(byTorrent[a.Torrent], a)
			}
		}
	}
	finishOrder := []int{}
	seenFinished := map[int]bool{}
	deadline := time.Now().Add(40 * time.Second)
	for {
		pop()
		done := 0
		for i := 1; i <= downloads; i++ {
			if st := ts[i].snapshot.Load(); st.State == StateSeeding {
				done++
				if !seenFinished[i] {
					seenFinished[i] = true
					finishOrder = append(finishOrder, i)
				}
			}
		}
		if done == downloads {
			break
		}
		if !time.Now().Before(deadline) {
			hist := map[string]int{}
			for _, tor := range ts {
				st := tor.snapshot.Load()
				hist[fmt.Sprintf("%s paused=%v", st.State, st.Paused)]++
			}
			mu.Lock()
			np := len(passes)
			var last queue.Decision
			if np > 0 {
				last = passes[np-1]
			}
			mu.Unlock()
			t.Fatalf("%d of %d downloads done; %d passes, last %+v; states %v", done, downloads, np, last, hist)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The last ones finished seed for a while, past seed_time_limit.
	time.Sleep(5 * time.Second)
	pop()

	mu.Lock()
	require.Empty(t, violations)
	require.Greater(t, len(passes), 5)
	mu.Unlock()

	// Downloads finish about in queue order: three at a time, each finish letting the next in.
	for k, i := range finishOrder {
		require.Less(t, i, k+1+activeDown+1, "download %d finished %d-th", i, k)
	}
	for i := 1; i <= downloads; i++ {
		got, err := os.ReadFile(filepath.Join(root, "dl", fmt.Sprintf("t%04d", i), "f"))
		require.NoError(t, err)
		require.True(t, bytes.Equal(contents[i], got), "torrent %d's bytes", i)
		require.True(t, hasAlert(byTorrent[ts[i]], AlertTorrentFinished, ""), "torrent %d finished", i)
		require.True(t, hasAlert(byTorrent[ts[i]], AlertTorrentResumed, "auto-managed: started"), "torrent %d started by the queue", i)
		require.Equal(t, -1, ts[i].QueuePosition(), "finished torrents leave the download queue")
	}
	// The broken torrent failed and never held a slot.
	st := ts[0].Status()
	require.Equal(t, StateError, st.State)
	require.True(t, hasAlert(byTorrent[ts[0]], AlertTorrentError, ""))
	// Seeding slots went to the finished downloads (share ratio not met) first: seeds that met
	// their limits were queued for them, and finished downloads were queued in turn once
	// seed_time_limit passed and newer ones finished.
	requeuedSeeds, requeuedDownloads := 0, 0
	for i := 1; i < n; i++ {
		if !hasAlert(byTorrent[ts[i]], AlertTorrentPaused, "active_seeds reached") {
			continue
		}
		if i <= downloads {
			requeuedDownloads++
		} else {
			requeuedSeeds++
		}
	}
	require.Positive(t, requeuedSeeds, "seeds that met their limits gave way to finished downloads")
	require.Positive(t, requeuedDownloads, "finished downloads gave way once past seed_time_limit")
	// At the end, the limits hold in the torrents' own state too.
	runningSeeds, runningDownloads := 0, 0
	for _, tor := range ts {
		st := tor.snapshot.Load()
		if st.Paused {
			continue
		}
		switch st.State {
		case StateSeeding, StateFinished:
			runningSeeds++
		case StateDownloading:
			runningDownloads++
		}
	}
	require.LessOrEqual(t, runningSeeds, activeSeed)
	require.Zero(t, runningDownloads)
}

func hasAlert(as []Alert, typ AlertType, text string) bool {
	for _, a := range as {
		if a.Type == typ && strings.Contains(a.Message, text) {
			return true
		}
	}
	return false
}
