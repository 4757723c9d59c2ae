package session

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// TestPeerExchangeIntroducesPeers: C knows only B; B is downloading from A; through ut_pex C
// learns A's address, connects to it and completes.
func TestPeerExchangeIntroducesPeers(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 2_000_000})
	mi := createTorrent(t, dir, 16<<10)

	a := newTestSession(t, "127.0.0.1:0")
	at, err := a.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, at, 5*time.Second, StateSeeding)
	aAddr := netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", a.ListenPort()))

	// B downloads slowly so it stays connected to A (two seeds would part).
	b := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 100_000)) })
	bt, err := b.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, bt.ConnectPeer(aAddr))
	require.Eventually(t, func() bool { return bt.Status().NumPeers == 1 }, 5*time.Second, 10*time.Millisecond)

	c := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	ct, err := c.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	require.NoError(t, ct.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", b.ListenPort()))))
	waitState(t, ct, 20*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))

	// Neither A nor C knew the other: one of them dialled the other's listen address, which only
	// B's PEX could have told it.
	cAddr := fmt.Sprintf("127.0.0.1:%d", c.ListenPort())
	introduced := false
	for _, al := range append(c.PopAlerts(), a.PopAlerts()...) {
		if al.Type == AlertPeerConnected && (al.Endpoint == aAddr.String() || al.Endpoint == cAddr) {
			introduced = true
		}
	}
	require.True(t, introduced, "A and C were introduced by B")
}

func TestPrivateTorrentDoesNotExchangePeers(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 500_000})
	_, mi, err := metainfo.Create(metainfo.CreateOptions{Path: dir, PieceLength: 16 << 10, Private: true})
	require.NoError(t, err)
	require.True(t, mi.Info.Private)

	a := newTestSession(t, "127.0.0.1:0")
	at, err := a.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, at, 5*time.Second, StateSeeding)
	b := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 50_000)) })
	bt, err := b.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, bt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", a.ListenPort()))))
	c := newTestSession(t, "127.0.0.1:0", func(s *Settings) { require.NoError(t, s.SetInt("download_rate_limit", 50_000)) })
	ct, err := c.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, ct.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", b.ListenPort()))))
	time.Sleep(3 * time.Second) // several PEX ticks
	require.Equal(t, 1, ct.Status().NumPeers, "C must not learn A through B on a private torrent")
}

func TestOversizedOrMalformedPEXDisconnectsThePeer(t *testing.T) {
	for name, payload := range map[string][]byte{
		"oversized": func() []byte {
			// core/pex refuses a message naming more than 500 peers.
			b, _ := bencode.Marshal(map[string][]byte{"added": make([]byte, 6*501)})
			return b
		}(),
		"malformed":     []byte("d5:added3:abce"),
		"not bencode":   []byte("\xff\xfe garbage"),
		"partial entry": []byte("d5:added5:abcdee"),
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			dir := makeFiles(t, root, map[string]int{"a": 50_000})
			mi := createTorrent(t, dir, 16<<10)
			s := newTestSession(t, "127.0.0.1:0")
			tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
			require.NoError(t, err)
			waitState(t, tor, 5*time.Second, StateSeeding)
			c, r := rawPeer(t, s, mi.InfoHash)
			hs, _ := (&peerwire.ExtendedHandshake{M: map[string]int{"ut_pex": 5}}).Marshal()
			_, err = c.Write(append(peerwire.AppendExtended(nil, 0, hs), peerwire.AppendExtended(nil, extUTPexID, payload)...))
			require.NoError(t, err)
			waitAlert(t, s, AlertPeerError, "ut_pex", 5*time.Second)
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			var m peerwire.Message
			for r.ReadMessage(&m) == nil {
			}
		})
	}
}
