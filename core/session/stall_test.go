package session

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/disk"
)

// TestStalledTorrentBlocksNeitherItsPostersNorTheDisk: while one torrent's goroutine is stuck
// (here in a method's closure, as a bug or a slow call would leave it), posting to it returns at
// once, its disk completions (thousands, past any inbox buffer) do not hold the shared disk
// worker, and another torrent in the session downloads to the end through that one worker.
// Once unstuck, the torrent runs everything posted meanwhile.
func TestStalledTorrentBlocksNeitherItsPostersNorTheDisk(t *testing.T) {
	rootA, rootB := t.TempDir(), t.TempDir()
	dirA := makeFiles(t, rootA, map[string]int{"a": 64 << 10})
	dirB := makeFiles(t, rootB, map[string]int{"b": 400_000})
	miA, miB := createTorrent(t, dirA, 16<<10), createTorrent(t, dirB, 16<<10)

	seeder := newTestSession(t, "127.0.0.1:0")
	sb, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: miB, SavePath: rootB})
	require.NoError(t, err)
	waitState(t, sb, 5*time.Second, StateSeeding)

	// One disk worker: a completion that blocked it would stop every torrent's disk work.
	s := newTestSession(t, "127.0.0.1:0", func(st *Settings) { require.NoError(t, st.SetInt("aio_threads", 1)) })
	ta, err := s.AddTorrent(AddTorrentParams{MetaInfo: miA, SavePath: rootA})
	require.NoError(t, err)
	waitState(t, ta, 5*time.Second, StateSeeding)
	var storageA *disk.Storage
	require.NoError(t, ta.do(func() error { storageA = ta.storage; return nil }))

	stalled, release := make(chan struct{}), make(chan struct{})
	go ta.do(func() error { close(stalled); <-release; return nil })
	<-stalled
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	const posts, reads = 5000, 2000
	var ran atomic.Int64
	posted := make(chan struct{})
	go func() {
		defer close(posted)
		for range posts {
			ta.post(func() { ran.Add(1) })
		}
	}()
	select {
	case <-posted:
	case <-time.After(20 * time.Second):
		t.Fatal("post blocked on a stalled torrent")
	}

	piece := disk.Piece{Index: 0, Offset: 0, Size: 16 << 10}
	var completed atomic.Int64
	for range reads {
		s.disk.ReadBlock(storageA, piece, 0, 16<<10, func(data []byte, err error) {
			disk.ReleaseBuffer(data)
			completed.Add(1)
			ta.post(func() { ran.Add(1) })
		})
	}
	require.Eventually(t, func() bool { return completed.Load() == reads }, 30*time.Second, 10*time.Millisecond,
		"the disk worker got stuck handing completions to the stalled torrent")

	save := t.TempDir()
	tb, err := s.AddTorrent(AddTorrentParams{MetaInfo: miB, SavePath: save})
	require.NoError(t, err)
	require.NoError(t, tb.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	waitState(t, tb, 60*time.Second, StateSeeding)
	requireSameTree(t, dirB, filepath.Join(save, "content"))

	close(release)
	require.Eventually(t, func() bool { return ran.Load() == posts+reads }, 30*time.Second, 10*time.Millisecond,
		"the torrent runs what was posted while it was stuck")
	waitState(t, ta, 5*time.Second, StateSeeding)
}
