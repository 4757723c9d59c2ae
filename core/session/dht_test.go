package session

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMagnetDownloadFindsSeederThroughDHT: the downloader has only an info-hash and a DHT
// bootstrap node; the seeder announced itself to the DHT.
func TestMagnetDownloadFindsSeederThroughDHT(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, defaultSizes)
	mi := createTorrent(t, dir, 32<<10)

	seeder := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetBool("enable_dht", true)) })
	require.NotNil(t, seeder.DHT())
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)

	stateFile := filepath.Join(t.TempDir(), "dht.state")
	leecher := newTestSession(t, "127.0.0.1:0", func(s *Settings) {
		require.NoError(t, s.SetBool("enable_dht", true))
		require.NoError(t, s.SetString("dht_bootstrap_nodes", fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort())))
		require.NoError(t, s.SetString("dht_state_file", stateFile))
	})
	magnet := mi.Magnet()
	magnet.Trackers, magnet.Peers = nil, nil
	save := t.TempDir()
	start := time.Now()
	lt, err := leecher.AddTorrent(AddTorrentParams{Magnet: magnet, SavePath: save})
	require.NoError(t, err)
	waitState(t, lt, 45*time.Second, StateSeeding)
	t.Logf("magnet to complete through the DHT in %v", time.Since(start))
	requireSameTree(t, dir, filepath.Join(save, "content"))

	replies := 0
	for _, a := range leecher.PopAlerts() {
		if a.Type == AlertDHTReply {
			replies++
		}
	}
	require.Positive(t, replies)
	require.NoError(t, leecher.Close())
	state, err := os.ReadFile(stateFile)
	require.NoError(t, err, "the DHT state is saved on close")
	require.NotEmpty(t, state)
}

func TestPrivateTorrentIsNotAnnouncedToDHT(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"x": 10_000})
	mi := createTorrent(t, dir, 16<<10)
	mi.Info.Private = true
	s := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetBool("enable_dht", true)) })
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 5*time.Second, StateSeeding)
	time.Sleep(1500 * time.Millisecond)
	for _, a := range s.PopAlerts() {
		require.NotEqual(t, AlertDHTReply, a.Type, "private torrents stay off the DHT")
	}
}
