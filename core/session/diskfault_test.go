package session

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/libbt/libbt/disk"
	"github.com/stretchr/testify/require"
)

// faultyBackend fails writes to file 0 with err while fail is set.
type faultyBackend struct {
	disk.Backend
	fail *atomic.Bool
	err  error
}

func (b faultyBackend) WriteAt(f disk.FileIndex, bufs [][]byte, off int64) (int, error) {
	if f == 0 && b.fail.Load() {
		return 0, b.err
	}
	return b.Backend.WriteAt(f, bufs, off)
}

// TestDiskFullStopsOneTorrentWithAnAlertAndResumeRecovers: a torrent whose writes fail with
// ENOSPC enters the error state with a file_error alert naming the file and the operation,
// another torrent in the same session completes, and once the cause is gone resume finishes
// the first one with correct bytes.
func TestDiskFullStopsOneTorrentWithAnAlertAndResumeRecovers(t *testing.T) {
	for name, errno := range map[string]error{"disk full": syscall.ENOSPC, "permission denied": syscall.EACCES, "read-only": syscall.EROFS} {
		t.Run(name, func(t *testing.T) {
			rootA, rootB := t.TempDir(), t.TempDir()
			dirA := makeFiles(t, rootA, map[string]int{"a": 300_000, "b": 5_000})
			dirB := makeFiles(t, rootB, map[string]int{"c": 200_000})
			miA, miB := createTorrent(t, dirA, 16<<10), createTorrent(t, dirB, 16<<10)
			seeder := newTestSession(t, "127.0.0.1:0")
			sa, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: miA, SavePath: rootA})
			require.NoError(t, err)
			sb, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: miB, SavePath: rootB})
			require.NoError(t, err)
			waitState(t, sa, 5*time.Second, StateSeeding)
			waitState(t, sb, 5*time.Second, StateSeeding)
			peer := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))

			var fail atomic.Bool
			fail.Store(true)
			leecher := newTestSession(t, "127.0.0.1:0")
			// Only the first storage opened (torrent A's) is faulty.
			var wrapped atomic.Int32
			leecher.wrapBackend = func(b disk.Backend) disk.Backend {
				if wrapped.Add(1) == 1 {
					return faultyBackend{b, &fail, errno}
				}
				return b
			}
			saveA, saveB := t.TempDir(), t.TempDir()
			la, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: miA, SavePath: saveA})
			require.NoError(t, err)
			require.Eventually(t, func() bool { return wrapped.Load() == 1 }, 5*time.Second, time.Millisecond)
			lb, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: miB, SavePath: saveB})
			require.NoError(t, err)
			require.NoError(t, la.ConnectPeer(peer))
			require.NoError(t, lb.ConnectPeer(peer))

			st := waitState(t, la, 10*time.Second, StateError)
			require.ErrorIs(t, st.Err, errno)
			a := waitAlert(t, leecher, AlertFileError, "write", 5*time.Second)
			require.Equal(t, "write", a.Operation)
			require.Contains(t, a.Path, filepath.Join("content", "a"))
			waitState(t, lb, 20*time.Second, StateSeeding) // the other torrent carries on

			fail.Store(false)
			require.NoError(t, la.Resume()) // reconnects to the peers it had
			waitState(t, la, 20*time.Second, StateSeeding)
			requireSameTree(t, dirA, filepath.Join(saveA, "content"))
		})
	}
}

// slowReads delays every read, so a check takes long enough to be watched.
type slowReads struct {
	disk.Backend
	delay time.Duration
}

func (b slowReads) ReadAt(f disk.FileIndex, p []byte, off int64) (int, error) {
	time.Sleep(b.delay)
	return b.Backend.ReadAt(f, p, off)
}

func (b slowReads) ReadAtV(f disk.FileIndex, bufs [][]byte, off int64) (int, error) {
	time.Sleep(b.delay)
	return b.Backend.ReadAtV(f, bufs, off)
}

// TestProgressWhileCheckingIsTheChecks: as in libtorrent, a torrent's progress while it checks
// its files is the part of the check done, then the part of the data present.
func TestProgressWhileCheckingIsTheChecks(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 8 << 20})
	mi := createTorrent(t, dir, 1<<20) // 8 pieces, read 4 at a time by one disk goroutine
	s := newTestSession(t, "127.0.0.1:0", func(st *Settings) { require.NoError(t, st.SetInt("aio_threads", 1)) })
	s.wrapBackend = func(b disk.Backend) disk.Backend { return slowReads{b, 150 * time.Millisecond} }
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	var seen []float64
	require.Eventually(t, func() bool {
		st := tor.Status()
		if st.State == StateCheckingFiles {
			seen = append(seen, st.Progress)
		}
		return st.State == StateSeeding
	}, 10*time.Second, 5*time.Millisecond)
	require.Contains(t, seen, 0.5, "half the pieces checked: %v", seen)
	require.Equal(t, 1.0, tor.Status().Progress)
}
