package session

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/disk"
)

// newHookedSession is newTestSession with test hooks in place before anything starts.
func newHookedSession(t *testing.T, hooks testHooks, extra ...func(*Settings)) *Session {
	t.Helper()
	st := NewSettings()
	require.NoError(t, st.SetString("listen_interfaces", "127.0.0.1:0"))
	require.NoError(t, st.SetInt("alert_mask", int64(CategoryAll)))
	for _, f := range extra {
		f(st)
	}
	s, err := newSession(st, hooks)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// panickyBackend panics on its first write.
type panickyBackend struct {
	disk.Backend
	fired *atomic.Bool
}

func (b panickyBackend) WriteAt(f disk.FileIndex, bufs [][]byte, off int64) (int, error) {
	if b.fired.CompareAndSwap(false, true) {
		panic("test hook: a bug in the disk backend")
	}
	return b.Backend.WriteAt(f, bufs, off)
}

// TestPanicForOneTorrentFailsOnlyThatTorrent: a panic on a torrent's goroutine (its tick) or on
// a disk goroutine working for it (its backend) puts that torrent in the error state with an
// internal error and a torrent_error alert naming where and carrying the stack, closes its
// peers, and leaves the session and the other torrent downloading; Resume then finishes it.
func TestPanicForOneTorrentFailsOnlyThatTorrent(t *testing.T) {
	for _, where := range []string{"torrent tick", "disk write"} {
		t.Run(where, func(t *testing.T) {
			rootA, rootB := t.TempDir(), t.TempDir()
			dirA := makeFiles(t, rootA, map[string]int{"a": 600_000, "b": 5_000})
			dirB := makeFiles(t, rootB, map[string]int{"c": 600_000})
			miA, miB := createTorrent(t, dirA, 16<<10), createTorrent(t, dirB, 16<<10)
			seeder := newTestSession(t, "127.0.0.1:0")
			sa, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: miA, SavePath: rootA})
			require.NoError(t, err)
			sb, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: miB, SavePath: rootB})
			require.NoError(t, err)
			waitState(t, sa, 5*time.Second, StateSeeding)
			waitState(t, sb, 5*time.Second, StateSeeding)
			peer := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))

			var fired atomic.Bool
			var hooks testHooks
			if where == "torrent tick" {
				hooks.tick = func(tor *Torrent) {
					// Mid-download, with peers connected.
					if tor.infoHash == miA.InfoHash && tor.have.Count() > 0 && len(tor.peers) > 0 && fired.CompareAndSwap(false, true) {
						panic("test hook: a bug in a torrent")
					}
				}
			}
			// 1.2 MB at 400 kB/s: both torrents are still transferring at the first ticks.
			leecher := newHookedSession(t, hooks, func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 400_000)) })
			var wrapped atomic.Int32
			if where == "disk write" {
				leecher.wrapBackend = func(b disk.Backend) disk.Backend {
					if wrapped.Add(1) == 1 { // torrent A's storage, opened first
						return panickyBackend{b, &fired}
					}
					return b
				}
			}
			saveA, saveB := t.TempDir(), t.TempDir()
			la, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: miA, SavePath: saveA})
			require.NoError(t, err)
			if where == "disk write" {
				require.Eventually(t, func() bool { return wrapped.Load() == 1 }, 5*time.Second, time.Millisecond)
			}
			lb, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: miB, SavePath: saveB})
			require.NoError(t, err)
			require.NoError(t, la.ConnectPeer(peer))
			require.NoError(t, lb.ConnectPeer(peer))

			st := waitState(t, la, 30*time.Second, StateError)
			require.ErrorIs(t, st.Err, ErrInternal)
			require.True(t, fired.Load())
			a := waitAlert(t, leecher, AlertTorrentError, "panic: test hook", 5*time.Second)
			require.ErrorIs(t, a.Err, ErrInternal)
			require.Contains(t, a.Message, where, "the alert names where the panic happened")
			require.Contains(t, a.Message, "panic_test.go", "the alert carries the stack")
			require.Eventually(t, func() bool { return la.Status().NumPeers == 0 }, 10*time.Second, 10*time.Millisecond,
				"the failed torrent's peers are closed")

			waitState(t, lb, 60*time.Second, StateSeeding) // the other torrent carries on
			requireSameTree(t, dirB, filepath.Join(saveB, "content"))

			require.NoError(t, la.Resume()) // checks again and reconnects to the peers it had
			waitState(t, la, 60*time.Second, StateSeeding)
			requireSameTree(t, dirA, filepath.Join(saveA, "content"))
		})
	}
}

// TestPanicOnAListenerIsASessionErrorAndTheListenerRestarts: a panic on the accept goroutine
// gives a session_error alert; the listener is started again and the next connection is served.
func TestPanicOnAListenerIsASessionErrorAndTheListenerRestarts(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"x": 100_000})
	mi := createTorrent(t, dir, 16<<10)
	var fired atomic.Bool
	seeder := newHookedSession(t, testHooks{accept: func(c net.Conn) {
		if fired.CompareAndSwap(false, true) {
			c.Close() // what the bug would leave behind is not the point
			panic("test hook: a bug in the listener")
		}
	}})
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 5*time.Second, StateSeeding)

	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	require.NoError(t, lt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))

	a := waitAlert(t, seeder, AlertSessionError, "listener", 10*time.Second)
	require.ErrorIs(t, a.Err, ErrInternal)
	require.Contains(t, a.Message, "a bug in the listener")
	waitState(t, lt, 30*time.Second, StateSeeding) // the leecher's retry reached the restarted listener
	requireSameTree(t, dir, filepath.Join(save, "content"))
}

// TestPanicOnTheDHTBootstrapIsASessionError: a panic on a session-wide DHT goroutine gives a
// session_error alert naming it, and the session goes on (torrents still run).
func TestPanicOnTheDHTBootstrapIsASessionError(t *testing.T) {
	s := newHookedSession(t, testHooks{dhtBootstrap: func() { panic("test hook: a bug in the DHT") }},
		func(st *Settings) { require.NoError(t, st.SetBool("enable_dht", true)) })
	a := waitAlert(t, s, AlertSessionError, "dht bootstrap", 10*time.Second)
	require.ErrorIs(t, a.Err, ErrInternal)
	require.Contains(t, a.Message, "panic_test.go")
	require.NotNil(t, s.DHT())

	root := t.TempDir()
	mi := createTorrent(t, makeFiles(t, root, map[string]int{"x": 50_000}), 16<<10)
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 10*time.Second, StateSeeding)
}

// TestPanicInAMethodClosureReturnsAnInternalError: a public method whose closure panics on the
// torrent goroutine returns the internal error (BT_E_INTERNAL in C) instead of waiting forever,
// and the torrent is in its error state until ForceRecheck rebuilds it.
func TestPanicInAMethodClosureReturnsAnInternalError(t *testing.T) {
	root := t.TempDir()
	mi := createTorrent(t, makeFiles(t, root, map[string]int{"x": 50_000}), 16<<10)
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 10*time.Second, StateSeeding)
	err = tor.do(func() error { panic("test hook: a bug in a method") })
	require.ErrorIs(t, err, ErrInternal)
	st := waitState(t, tor, 5*time.Second, StateError)
	require.ErrorIs(t, st.Err, ErrInternal)
	require.NoError(t, tor.ForceRecheck())
	st = waitState(t, tor, 10*time.Second, StateSeeding)
	require.NoError(t, st.Err)
	require.Equal(t, st.NumPieces, st.PiecesDone)
}
