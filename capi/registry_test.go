package main

// Tests of the handle registry (pure Go: registry.go uses no cgo).

import (
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/session"
)

// testTorrentData is a paused-only .torrent: one 64 KiB file with made-up hashes, named after i.
func testTorrentData(t *testing.T, i int) []byte {
	pieces := make([]byte, 80)
	for k := range pieces {
		pieces[k] = byte(i*31 + k)
	}
	b, err := bencode.Marshal(map[string]any{"info": map[string]any{
		"name": "r" + strconv.Itoa(i), "length": 64 << 10, "piece length": 16 << 10, "pieces": pieces}})
	require.NoError(t, err)
	return b
}

// newTestSessionObj registers a session as bt_session_new does.
func newTestSessionObj(t *testing.T) (*sessionObj, handleID) {
	st := session.NewSettings()
	require.NoError(t, st.SetString("listen_interfaces", "127.0.0.1:0"))
	s, err := session.New(st)
	require.NoError(t, err)
	so := &sessionObj{s: s, torrents: map[*session.Torrent]handleID{}}
	sid := register(kindSession, so)
	t.Cleanup(func() {
		if _, err := freeSession(sid); err == nil {
			s.Close()
		}
	})
	return so, sid
}

func registrySize() int {
	reg.mu.RLock()
	defer reg.mu.RUnlock()
	return len(reg.m)
}

func TestRemovedTorrentLeavesNothingAndGetsNoNewHandle(t *testing.T) {
	so, sid := newTestSessionObj(t)
	before := registrySize()
	tor, err := so.s.AddTorrent(session.AddTorrentParams{TorrentData: testTorrentData(t, 1), SavePath: t.TempDir(), Paused: true})
	require.NoError(t, err)
	id := torrentID(sid, tor)
	require.NotZero(t, id)
	require.Equal(t, id, torrentID(sid, tor), "one id per torrent")
	require.NoError(t, so.s.RemoveTorrent(tor, false))
	forgetTorrent(sid, tor)

	_, err = lookup(id, kindTorrent)
	require.ErrorAs(t, err, new(errBadHandle))
	require.Zero(t, torrentID(sid, tor), "an alert popped after the removal names no torrent")
	require.Equal(t, before, registrySize(), "nothing is kept for the removed torrent")
	reg.mu.RLock()
	require.Empty(t, so.torrents)
	reg.mu.RUnlock()

	// The same info-hash added again is a new torrent with a new, larger id.
	again, err := so.s.AddTorrent(session.AddTorrentParams{TorrentData: testTorrentData(t, 1), SavePath: t.TempDir(), Paused: true})
	require.NoError(t, err)
	id2 := torrentID(sid, again)
	require.Greater(t, id2, id)
	_, err = lookup(id, kindTorrent)
	require.ErrorAs(t, err, new(errBadHandle), "the old id does not alias the new torrent")
}

// Alerts are popped (and ids made for their torrents) on other threads while torrents are
// removed: whatever the interleaving, no id survives for a removed torrent.
func TestConcurrentLookupsCannotResurrectARemovedTorrent(t *testing.T) {
	so, sid := newTestSessionObj(t)
	before := registrySize()
	const n = 200
	ts := make([]*session.Torrent, n)
	for i := range ts {
		tor, err := so.s.AddTorrent(session.AddTorrentParams{TorrentData: testTorrentData(t, 100+i), SavePath: t.TempDir(), Paused: true})
		require.NoError(t, err)
		ts[i] = tor
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, tor := range ts {
					torrentID(sid, tor)
				}
			}
		}()
	}
	for _, tor := range ts {
		torrentID(sid, tor)
		require.NoError(t, so.s.RemoveTorrent(tor, false))
		forgetTorrent(sid, tor)
	}
	close(stop)
	wg.Wait()
	require.Equal(t, before, registrySize())
	reg.mu.RLock()
	require.Empty(t, so.torrents)
	reg.mu.RUnlock()
}
