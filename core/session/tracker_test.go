package session

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
	"github.com/stretchr/testify/require"
)

type testTracker interface {
	URL() string
	Close()
	WaitAnnounces(n int, timeout time.Duration) []trackertest.Announce
}

// swarmThroughTracker has a seeder and a downloader find each other only through the tracker.
func swarmThroughTracker(t *testing.T, tr testTracker) {
	defer tr.Close()
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	mi := createTorrent(t, dir, 32<<10, tr.URL())
	require.Equal(t, [][]string{{tr.URL()}}, mi.TrackerTiers())

	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)
	tr.WaitAnnounces(1, 5*time.Second)

	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	waitState(t, lt, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))

	alerts := collectAlerts(leecher)
	require.NotEmpty(t, alerts[AlertTrackerReply])
	// started from both, then completed from the downloader.
	events := map[tracker.Event]int{}
	for _, a := range tr.WaitAnnounces(3, 5*time.Second) {
		events[a.Event]++
	}
	require.Equal(t, 2, events[tracker.Started])
	require.Equal(t, 1, events[tracker.Completed])

	// Closing the session says "stopped".
	leecher.Close()
	stopped := 0
	for _, a := range tr.WaitAnnounces(4, 5*time.Second) {
		if a.Event == tracker.Stopped {
			stopped++
		}
	}
	require.Equal(t, 1, stopped)
}

func TestSwarmThroughHTTPTracker(t *testing.T) { swarmThroughTracker(t, trackertest.NewHTTP()) }

func TestSwarmThroughUDPTracker(t *testing.T) { swarmThroughTracker(t, trackertest.NewUDP()) }

func TestMagnetLinkFetchesMetadataFromPeer(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	mi := createTorrent(t, dir, 16<<10)

	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)

	m := mi.Magnet()
	m.Peers = []string{"127.0.0.1:" + itoa(seeder.ListenPort())}
	parsed, err := metainfo.ParseMagnet(m.String())
	require.NoError(t, err)

	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{Magnet: parsed, SavePath: save})
	require.NoError(t, err)
	require.False(t, lt.Status().HasMetadata)
	waitState(t, lt, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
	require.NotEmpty(t, collectAlerts(leecher)[AlertMetadataReceived])
	require.Len(t, lt.Files(), len(mi.Info.Files))
}
