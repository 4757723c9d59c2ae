package session

import (
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/stretchr/testify/require"
)

// TestMetadataThatFailsTheInfoHashIsDiscardedAndItsPeerNotAskedAgain: a peer answers ut_metadata
// requests with the right size but wrong bytes; the magnet download drops them, never asks that
// peer again, and completes from an honest seeder.
func TestMetadataThatFailsTheInfoHashIsDiscardedAndItsPeerNotAskedAgain(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000, "b": 3_000})
	mi := createTorrent(t, dir, 16<<10)
	size := len(mi.InfoBytes)

	var requests atomic.Int32
	liar := fakePeer(t, mi, func(c net.Conn) {
		hs, _ := (&peerwire.ExtendedHandshake{M: map[string]int{"ut_metadata": 3}, MetadataSize: size}).Marshal()
		c.Write(peerwire.AppendExtended(nil, 0, hs))
		r := peerwire.NewReader(c, 0)
		var m peerwire.Message
		for r.ReadMessage(&m) == nil {
			if m.ID != peerwire.Extended || m.ExtendedID != 3 {
				continue
			}
			var req metadataMsg
			if _, err := bencode.UnmarshalPrefix(m.Payload, &req); err != nil || req.MsgType != metadataRequest {
				continue
			}
			requests.Add(1)
			n := min(metadataPieceSize, size-req.Piece*metadataPieceSize)
			hdr, _ := bencode.Marshal(metadataMsg{MsgType: metadataData, Piece: req.Piece, TotalSize: size})
			c.Write(peerwire.AppendExtended(nil, extUTMetadataID, append(hdr, make([]byte, n)...)))
		}
	})

	s := newTestSession(t, "127.0.0.1:0")
	magnet, err := metainfo.ParseMagnet(mi.Magnet().String())
	require.NoError(t, err)
	tor, err := s.AddTorrent(AddTorrentParams{Magnet: magnet, SavePath: t.TempDir()})
	require.NoError(t, err)
	require.NoError(t, tor.ConnectPeer(liar))
	waitAlert(t, s, AlertMetadataFailed, "does not match", 10*time.Second)
	asked := requests.Load()
	require.Positive(t, asked)

	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 5*time.Second, StateSeeding)
	require.NoError(t, tor.ConnectPeer(netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))))
	waitState(t, tor, 20*time.Second, StateSeeding)
	require.Equal(t, asked, requests.Load(), "the lying peer is not asked for metadata again")
}
