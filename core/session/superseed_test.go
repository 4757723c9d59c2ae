package session

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/superseed"
	"github.com/stretchr/testify/require"
)

func TestSuperSeedHidesPiecesAndOffersThemOneByOne(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 200_000})
	mi := createTorrent(t, dir, 16<<10)
	s := newTestSession(t, "127.0.0.1:0")
	tor, err := s.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, SuperSeeding: true})
	require.NoError(t, err)
	waitState(t, tor, 5*time.Second, StateSeeding)

	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.ListenPort()))
	require.NoError(t, err)
	defer c.Close()
	h := peerwire.Handshake{InfoHash: mi.InfoHash}
	copy(h.PeerID[:], "-TEST00-superseedtst")
	h.SetFast()
	require.NoError(t, peerwire.WriteHandshake(c, h))
	_, err = peerwire.ReadHandshake(c)
	require.NoError(t, err)
	c.Write(peerwire.AppendSimple(peerwire.AppendSimple(nil, peerwire.HaveNone), peerwire.Interested))

	r := peerwire.NewReader(c, 0)
	next := func(want ...peerwire.MessageID) peerwire.Message {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			var m peerwire.Message
			require.NoError(t, r.ReadMessage(&m))
			require.NotEqual(t, peerwire.HaveAll, m.ID, "a super seed never reveals it has everything")
			require.NotEqual(t, peerwire.Bitfield, m.ID, "a super seed never sends its bitfield")
			for _, id := range want {
				if !m.KeepAlive && m.ID == id {
					return m
				}
			}
		}
	}
	offered := map[uint32]bool{}
	for len(offered) < superseed.Offers {
		offered[next(peerwire.Have).Index] = true
	}
	next(peerwire.Unchoke)
	var hidden uint32
	for hidden = 0; offered[hidden]; hidden++ {
	}
	// A piece that was not offered is refused; an offered one is served.
	c.Write(peerwire.AppendRequest(nil, hidden, 0, 16<<10))
	rej := next(peerwire.RejectRequest, peerwire.Piece)
	require.Equal(t, peerwire.RejectRequest, rej.ID)
	var first uint32
	for first = range offered {
		break
	}
	c.Write(peerwire.AppendRequest(nil, first, 0, 16<<10))
	require.Equal(t, peerwire.Piece, next(peerwire.Piece).ID)
	// Announcing the offered piece earns a new offer.
	c.Write(peerwire.AppendHave(nil, first))
	fresh := next(peerwire.Have)
	require.False(t, offered[fresh.Index])
}

func TestDownloadFromSuperSeedCompletes(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 300_000, "b": 77_777})
	mi := createTorrent(t, dir, 16<<10)
	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root, SuperSeeding: true})
	require.NoError(t, err)
	waitState(t, st, 5*time.Second, StateSeeding)
	require.True(t, st.Status().SuperSeeding)

	leecher := newTestSession(t, "127.0.0.1:0")
	save := t.TempDir()
	lt, err := leecher.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: save})
	require.NoError(t, err)
	require.NoError(t, lt.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	waitState(t, lt, 30*time.Second, StateSeeding)
	requireSameTree(t, dir, filepath.Join(save, "content"))
}
