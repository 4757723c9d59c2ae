package session

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/lsd"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

func TestLSDIsOffByDefault(t *testing.T) {
	s := newTestSession(t, "127.0.0.1:0")
	require.False(t, s.lsd.Running(), "no multicast unless enable_lsd is set")
	st := NewSettings()
	require.NoError(t, st.SetBool("enable_lsd", true), "enable_lsd can be turned on")
	require.False(t, s.Settings().Bool("enable_lsd"))
}

// TestLSDPeerBecomesACandidate: a peer the LSD service reports is connected with source LSD.
// (The multicast itself is tested in core/lsd and tests/interop/test_lsd.py, in namespaces.)
func TestLSDPeerBecomesACandidate(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 300_000})
	mi := createTorrent(t, dir, 16<<10)
	a := newTestSession(t, "127.0.0.1:0")
	at, err := a.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, at, 5*time.Second, StateSeeding)
	aAddr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", a.ListenPort()))

	// B downloads slowly so the connection is still there to look at.
	b := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 100_000)) })
	save := t.TempDir()
	bt, err := b.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	waitState(t, bt, 5*time.Second, StateDownloading)
	b.lsdPeer(lsd.Peer{InfoHash: metainfo.InfoHash{1}, Addr: aAddr}) // not ours: ignored
	b.lsdPeer(lsd.Peer{InfoHash: mi.InfoHash, Addr: aAddr})
	require.Eventually(t, func() bool {
		peers := bt.Peers()
		return len(peers) == 1 && peers[0].Source == SourceLSD && peers[0].Source.String() == "lsd"
	}, 5*time.Second, 10*time.Millisecond)
	waitState(t, bt, 10*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
}

func TestLSDIgnoresPrivateTorrents(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000})
	_, mi, err := metainfo.Create(metainfo.CreateOptions{Path: dir, PieceLength: 16 << 10, Private: true})
	require.NoError(t, err)
	a := newTestSession(t, "127.0.0.1:0")
	at, err := a.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, at, 5*time.Second, StateSeeding)

	b := newTestSession(t, "127.0.0.1:0")
	bt, err := b.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	waitState(t, bt, 5*time.Second, StateDownloading)
	var eligible bool
	require.NoError(t, bt.do(func() error { eligible = bt.lsdEligible(); return nil }))
	require.False(t, eligible, "a private torrent is never announced (BEP 27)")
	b.lsdPeer(lsd.Peer{InfoHash: mi.InfoHash, Addr: netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", a.ListenPort()))})
	time.Sleep(500 * time.Millisecond)
	require.Empty(t, bt.Peers(), "nor does it take peers from LSD")
}
