package session

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// fakePeer is a hand-driven peer: it completes the handshake, then runs behave on the socket.
func fakePeer(t *testing.T, mi *metainfo.MetaInfo, behave func(c net.Conn)) netip.AddrPort {
	t.Helper()
	return fakePeerAt(t, "127.0.0.1", "-FAKE00-fakefakefake", mi, behave)
}

// liarPeer claims every piece and answers every request with zeros.
func liarPeer(c net.Conn) {
	c.Write(peerwire.AppendSimple(peerwire.AppendSimple(nil, peerwire.HaveAll), peerwire.Unchoke))
	r := peerwire.NewReader(c, peerwire.DefaultMaxMessage)
	var m peerwire.Message
	for {
		if err := r.ReadMessage(&m); err != nil {
			return
		}
		if m.ID == peerwire.Request && !m.KeepAlive {
			buf := peerwire.AppendPieceHeader(nil, m.Index, m.Begin, int(m.Length))
			buf = append(buf, make([]byte, m.Length)...)
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}
}

func TestPieceFailingHashIsRefetchedAndLiarBanned(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 300_000, "b": 123_457})
	mi := createTorrent(t, dir, 16<<10)

	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	waitState(t, lt, 5*time.Second, StateDownloading)
	require.NoError(t, lt.ConnectPeer(fakePeerAt(t, "127.0.0.2", "-FAKE00-liar", mi, liarPeer)))

	// Let the liar poison some pieces first, then bring in an honest seeder.
	log := &alertLog{s: leecher}
	log.wait(t, AlertHashFailed, nil, 10*time.Second)

	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 5*time.Second, StateSeeding)
	require.NoError(t, lt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))

	waitState(t, lt, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
	banned := log.of(AlertPeerBanned)
	require.Len(t, banned, 1, "the liar alone sent its first piece: banned at once")
	require.Contains(t, banned[0].Endpoint, "127.0.0.2:")
}

func TestGarbagePeerIsDisconnectedAndDownloadGoesOn(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 200_000})
	mi := createTorrent(t, dir, 16<<10)
	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 5*time.Second, StateSeeding)

	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	waitState(t, lt, 5*time.Second, StateDownloading)

	oversized := func(c net.Conn) {
		var hdr [5]byte
		binary.BigEndian.PutUint32(hdr[:], 64<<20) // a 64 MiB message
		hdr[4] = byte(peerwire.Piece)
		c.Write(hdr[:])
		time.Sleep(2 * time.Second)
	}
	require.NoError(t, lt.ConnectPeer(fakePeer(t, mi, oversized)))
	require.Eventually(t, func() bool {
		for _, a := range leecher.PopAlerts() {
			if a.Type == AlertPeerError {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "an oversized message is a protocol error")

	require.NoError(t, lt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	waitState(t, lt, 20*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
}
