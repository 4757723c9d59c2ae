package session

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/dht"
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

// TestPrivateTorrentIsNotAnnouncedToDHT: with a bootstrap node that answers, a public torrent
// (the control) is announced and stored there; a private one in the same session never is
// (BEP 27), nor does it look up peers.
func TestPrivateTorrentIsNotAnnouncedToDHT(t *testing.T) {
	newNode := func() *dht.Server {
		n, err := dht.New(dht.Config{Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")},
			RateLimit: dht.RateLimit{PerSecond: -1}})
		require.NoError(t, err)
		t.Cleanup(func() { n.Close() })
		return n
	}
	boot := newNode()
	bootAddr := boot.Addrs()[0]

	root := t.TempDir()
	public := createTorrent(t, makeFiles(t, filepath.Join(root, "public"), map[string]int{"x": 10_000}), 16<<10)
	privDir := makeFiles(t, filepath.Join(root, "private"), map[string]int{"y": 20_000})
	_, private, err := metainfo.Create(metainfo.CreateOptions{Path: privDir, PieceLength: 16 << 10, Private: true})
	require.NoError(t, err)
	s := newTestSession(t, "127.0.0.1:0", func(s *Settings) {
		require.NoError(t, s.SetBool("enable_dht", true))
		require.NoError(t, s.SetString("dht_bootstrap_nodes", bootAddr.String()))
	})
	for _, add := range []struct {
		mi  *metainfo.MetaInfo
		dir string
	}{{public, filepath.Join(root, "public")}, {private, filepath.Join(root, "private")}} {
		tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: add.mi, SavePath: add.dir})
		require.NoError(t, err)
		waitState(t, tor, 5*time.Second, StateSeeding)
	}

	// The control: the public torrent reaches the bootstrap node's peer store.
	require.Eventually(t, func() bool { return boot.Stats().InfoHashes >= 1 }, 30*time.Second, 50*time.Millisecond,
		"the public torrent is announced to the bootstrap node")
	time.Sleep(2 * time.Second) // both torrents tick every second: the private one had its turns

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	samples, err := newNode().SampleInfohashes(ctx, bootAddr, dht.NodeID{})
	require.NoError(t, err)
	require.Equal(t, []metainfo.InfoHash{public.InfoHash}, samples.InfoHashes, "only the public torrent is stored")
	require.Equal(t, 1, boot.Stats().InfoHashes)

	replies := map[metainfo.InfoHash]int{}
	for _, a := range s.PopAlerts() {
		if a.Type == AlertDHTReply {
			replies[a.InfoHash]++
		}
	}
	require.Positive(t, replies[public.InfoHash], "the public torrent's lookup replied")
	require.Zero(t, replies[private.InfoHash], "private torrents stay off the DHT")
}
