package session

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/utmetadata"
	"github.com/stretchr/testify/require"
)

// fakePeerAt is fakePeer on a loopback address of its own (metadata liars are remembered by IP)
// and with its own peer id (a second connection with the same id replaces the first).
func fakePeerAt(t *testing.T, ip, id string, mi *metainfo.MetaInfo, behave func(c net.Conn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", ip+":0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := peerwire.ReadHandshake(c); err != nil {
					return
				}
				h := peerwire.Handshake{InfoHash: mi.InfoHash}
				copy(h.PeerID[:], fmt.Sprintf("%-20s", id))
				h.SetFast()
				h.SetExtended()
				if err := peerwire.WriteHandshake(c, h); err != nil {
					return
				}
				behave(c)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

const fakeUTMetadataID = 3

// metadataPeer advertises ut_metadata with size, then calls onRequest for every ut_metadata
// request it reads (concurrently with keep-alives every second); onRequest returns false to
// hang up.
func metadataPeer(size int, onRequest func(c net.Conn, piece int) bool) func(c net.Conn) {
	return func(c net.Conn) {
		hs, _ := (&peerwire.ExtendedHandshake{M: map[string]int{"ut_metadata": fakeUTMetadataID}, MetadataSize: size}).Marshal()
		var wmu sync.Mutex
		write := func(b []byte) {
			wmu.Lock()
			defer wmu.Unlock()
			c.Write(b)
		}
		write(peerwire.AppendExtended(nil, 0, hs))
		done := make(chan struct{})
		defer close(done)
		go func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
					write([]byte{0, 0, 0, 0})
				}
			}
		}()
		r := peerwire.NewReader(c, 0)
		var m peerwire.Message
		for r.ReadMessage(&m) == nil {
			if m.ID != peerwire.Extended || m.ExtendedID != fakeUTMetadataID {
				continue
			}
			req, err := utmetadata.ParseMessage(m.Payload)
			if err != nil || req.Type != utmetadata.MsgRequest {
				continue
			}
			wmu.Lock()
			ok := onRequest(c, req.Piece)
			wmu.Unlock()
			if !ok {
				return
			}
		}
	}
}

func sendMetadataPiece(c net.Conn, info []byte, piece int, corrupt bool) {
	m := utmetadata.Message{Type: utmetadata.MsgData, Piece: piece, TotalSize: len(info),
		Data: info[piece*metadataPieceSize : min((piece+1)*metadataPieceSize, len(info))]}
	if corrupt {
		m.Data = make([]byte, len(m.Data))
	}
	c.Write(peerwire.AppendExtended(nil, extUTMetadataID, utmetadata.AppendMessage(nil, m)))
}

// startMagnet adds mi's magnet link to a new session.
func startMagnet(t *testing.T, mi *metainfo.MetaInfo) (*Session, *Torrent) {
	t.Helper()
	s := newTestSession(t, "127.0.0.1:0")
	magnet, err := metainfo.ParseMagnet(mi.Magnet().String())
	require.NoError(t, err)
	tor, err := s.AddTorrent(AddTorrentParams{Magnet: magnet, SavePath: t.TempDir()})
	require.NoError(t, err)
	return s, tor
}

// startSeeder seeds mi from root in a new session on 127.0.0.1 and returns its address.
func startSeeder(t *testing.T, mi *metainfo.MetaInfo, root string) netip.AddrPort {
	t.Helper()
	seeder := newTestSession(t, "127.0.0.1:0")
	st, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, st, 10*time.Second, StateSeeding)
	return netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", seeder.ListenPort()))
}

// waitMetadata waits for metadata_received and returns the metadata_failed alerts before it.
func waitMetadata(t *testing.T, s *Session, timeout time.Duration) []Alert {
	t.Helper()
	var failed []Alert
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.WaitForAlert(100 * time.Millisecond)
		for _, a := range s.PopAlerts() {
			switch a.Type {
			case AlertMetadataFailed:
				failed = append(failed, a)
			case AlertMetadataReceived:
				return failed
			}
		}
	}
	t.Fatalf("no metadata in %s; metadata_failed alerts: %v", timeout, failed)
	return nil
}

// manyFilesTorrent is a torrent whose info dictionary has several metadata pieces.
func manyFilesTorrent(t *testing.T) (root string, mi *metainfo.MetaInfo) {
	t.Helper()
	root = t.TempDir()
	files := map[string]int{}
	for i := range 1500 {
		files[fmt.Sprintf("many/a-file-with-a-longish-name-%04d", i)] = 1
	}
	mi = createTorrent(t, makeFiles(t, root, files), 16<<10)
	require.Greater(t, len(mi.InfoBytes), 3*metadataPieceSize, "several metadata pieces")
	return root, mi
}

func waitCount(t *testing.T, n *atomic.Int32, what string) {
	t.Helper()
	require.Eventually(t, func() bool { return n.Load() > 0 }, 10*time.Second, 10*time.Millisecond, what)
}

// TestMetadataThatFailsTheInfoHashIsDiscardedAndItsPeerNotAskedAgain: a peer answers ut_metadata
// requests with the right size but wrong bytes; the magnet download drops them, never asks that
// peer again, and completes from an honest seeder.
func TestMetadataThatFailsTheInfoHashIsDiscardedAndItsPeerNotAskedAgain(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000, "b": 3_000})
	mi := createTorrent(t, dir, 16<<10)

	var requests atomic.Int32
	liar := fakePeerAt(t, "127.0.0.2", "-FAKE00-liar", mi, metadataPeer(len(mi.InfoBytes), func(c net.Conn, piece int) bool {
		requests.Add(1)
		sendMetadataPiece(c, mi.InfoBytes, piece, true)
		return true
	}))

	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(liar))
	a := waitAlert(t, s, AlertMetadataFailed, "does not match", 10*time.Second)
	require.Equal(t, liar.String(), a.Endpoint)
	asked := requests.Load()
	require.Positive(t, asked)

	require.NoError(t, tor.ConnectPeer(startSeeder(t, mi, root)))
	waitState(t, tor, 20*time.Second, StateSeeding)
	require.Equal(t, asked, requests.Load(), "the lying peer is not asked for metadata again")
}

// A peer that takes requests and only sends keep-alives must not stall the magnet download
// while an honest seeder is connected (issue 9: the seeder was never asked in 200 s).
func TestMetadataKeepAliveOnlyPeerDoesNotStallTheDownload(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000})
	mi := createTorrent(t, dir, 16<<10)

	var requests atomic.Int32
	silent := fakePeerAt(t, "127.0.0.2", "-FAKE00-silent", mi, metadataPeer(len(mi.InfoBytes), func(net.Conn, int) bool {
		requests.Add(1)
		return true
	}))
	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(silent))
	waitCount(t, &requests, "the silent peer is asked first")

	require.NoError(t, tor.ConnectPeer(startSeeder(t, mi, root)))
	require.Empty(t, waitMetadata(t, s, 60*time.Second))
	waitState(t, tor, 30*time.Second, StateSeeding)
}

// A peer advertising another metadata_size (and rejecting requests) must not keep the honest
// peer from being asked.
func TestMetadataPeerWithAnotherSizeDoesNotBlockTheHonestPeer(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000})
	mi := createTorrent(t, dir, 16<<10)

	var requests atomic.Int32
	odd := fakePeerAt(t, "127.0.0.2", "-FAKE00-oddsize", mi, metadataPeer(len(mi.InfoBytes)+1000, func(c net.Conn, piece int) bool {
		requests.Add(1)
		c.Write(peerwire.AppendExtended(nil, extUTMetadataID,
			utmetadata.AppendMessage(nil, utmetadata.Message{Type: utmetadata.MsgReject, Piece: piece})))
		return true
	}))
	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(odd))
	waitCount(t, &requests, "the odd-size peer is asked first")

	require.NoError(t, tor.ConnectPeer(startSeeder(t, mi, root)))
	require.Empty(t, waitMetadata(t, s, 60*time.Second))
	waitState(t, tor, 30*time.Second, StateSeeding)
}

// The attack from issue 9: a liar sends a wrong piece and disconnects before the last one; the
// honest seeder completes the copy, which fails the hash. The download must finish from the
// honest seeder, and metadata_failed must name the liar, never the honest peer.
func TestMetadataLiarThatLeavesEarlyIsBlamedNotTheHonestPeer(t *testing.T) {
	root, mi := manyFilesTorrent(t)

	left := make(chan struct{})
	liar := fakePeerAt(t, "127.0.0.2", "-FAKE00-liar", mi, metadataPeer(len(mi.InfoBytes), func(c net.Conn, piece int) bool {
		sendMetadataPiece(c, mi.InfoBytes, piece, true)
		close(left)
		return false // one wrong piece, then gone
	}))
	s, tor := startMagnet(t, mi)
	require.NoError(t, tor.ConnectPeer(liar))
	select {
	case <-left:
	case <-time.After(10 * time.Second):
		t.Fatal("the liar was never asked")
	}

	honest := startSeeder(t, mi, root)
	require.NoError(t, tor.ConnectPeer(honest))
	failed := waitMetadata(t, s, 60*time.Second)
	named := false
	for _, a := range failed {
		require.NotEqual(t, honest.String(), a.Endpoint, "the honest peer is blamed: %s", a.Message)
		named = named || a.Endpoint == liar.String()
	}
	require.True(t, named, "metadata_failed names the liar: %v", failed)
	waitState(t, tor, 60*time.Second, StateSeeding)
}

// A peer advertising a metadata_size over max_metadata_size is disconnected with a named limit,
// costs no memory, and the download goes on from an honest peer.
func TestMetadataHugeAdvertisedSizeIsANamedLimit(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000})
	mi := createTorrent(t, dir, 16<<10)

	huge := fakePeerAt(t, "127.0.0.2", "-FAKE00-huge", mi, metadataPeer(1<<30, func(net.Conn, int) bool { return true }))
	s, tor := startMagnet(t, mi)
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	require.NoError(t, tor.ConnectPeer(huge))
	var le *limits.Error
	require.Eventually(t, func() bool {
		for _, a := range s.PopAlerts() {
			if a.Type == AlertPeerError && errors.As(a.Err, &le) {
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "a peer_error alert with a limits.Error")
	require.Equal(t, "max_metadata_size", le.Limit)
	require.EqualValues(t, 1<<30, le.Value)
	require.EqualValues(t, utmetadata.DefaultMaxSize, le.Max)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	require.Less(t, int64(after.HeapAlloc)-int64(before.HeapAlloc), int64(64<<20), "no buffer of the advertised size")

	require.NoError(t, tor.ConnectPeer(startSeeder(t, mi, root)))
	waitMetadata(t, s, 30*time.Second)
}

// Serving stays as it was, bounded: a request for a piece past the end is rejected.
func TestMetadataRequestOutOfRangeIsRejected(t *testing.T) {
	root := t.TempDir()
	dir := makeFiles(t, root, map[string]int{"a": 100_000})
	mi := createTorrent(t, dir, 16<<10)
	seeder := startSeeder(t, mi, root)

	c, err := net.Dial("tcp4", seeder.String())
	require.NoError(t, err)
	defer c.Close()
	h := peerwire.Handshake{InfoHash: mi.InfoHash}
	copy(h.PeerID[:], "-FAKE00-asker0000000")
	h.SetExtended()
	require.NoError(t, peerwire.WriteHandshake(c, h))
	_, err = peerwire.ReadHandshake(c)
	require.NoError(t, err)
	hs, _ := (&peerwire.ExtendedHandshake{M: map[string]int{"ut_metadata": fakeUTMetadataID}}).Marshal()
	c.Write(peerwire.AppendExtended(nil, 0, hs))
	for _, piece := range []int{0, 1 << 20} {
		c.Write(peerwire.AppendExtended(nil, extUTMetadataID,
			utmetadata.AppendMessage(nil, utmetadata.Message{Type: utmetadata.MsgRequest, Piece: piece})))
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r := peerwire.NewReader(c, 0)
	var got []utmetadata.Message
	var m peerwire.Message
	for len(got) < 2 {
		require.NoError(t, r.ReadMessage(&m))
		if m.ID == peerwire.Extended && m.ExtendedID == fakeUTMetadataID {
			um, err := utmetadata.ParseMessage(m.Payload)
			require.NoError(t, err)
			um.Data = append([]byte(nil), um.Data...)
			got = append(got, um)
		}
	}
	require.Equal(t, utmetadata.MsgData, got[0].Type)
	require.Equal(t, mi.InfoBytes, got[0].Data)
	require.Equal(t, utmetadata.Message{Type: utmetadata.MsgReject, Piece: 1 << 20}, got[1])
}

// A peer that floods metadata requests before reading gets pieces while our send buffer is
// under libtorrent's send_buffer_limit and rejects after, not one piece per request (the old code
// queued 64 MiB here; without the limit the peer now trips the send buffer's bound and is
// disconnected).
func TestMetadataServingIsBoundedForAPeerThatDoesNotRead(t *testing.T) {
	root, mi := manyFilesTorrent(t)
	seeder := startSeeder(t, mi, root)

	c, err := net.Dial("tcp4", seeder.String())
	require.NoError(t, err)
	defer c.Close()
	h := peerwire.Handshake{InfoHash: mi.InfoHash}
	copy(h.PeerID[:], "-FAKE00-flooder00000")
	h.SetExtended()
	require.NoError(t, peerwire.WriteHandshake(c, h))
	_, err = peerwire.ReadHandshake(c)
	require.NoError(t, err)
	hs, _ := (&peerwire.ExtendedHandshake{M: map[string]int{"ut_metadata": fakeUTMetadataID}}).Marshal()
	const requests = 4096
	buf := peerwire.AppendExtended(nil, 0, hs)
	for range requests {
		buf = peerwire.AppendExtended(buf, extUTMetadataID,
			utmetadata.AppendMessage(nil, utmetadata.Message{Type: utmetadata.MsgRequest, Piece: 0}))
	}
	_, err = c.Write(buf)
	require.NoError(t, err)
	time.Sleep(2 * time.Second) // let the seeder take every request while nothing is read

	r := peerwire.NewReader(c, 0)
	var m peerwire.Message
	pieces, rejects := 0, 0
	for pieces+rejects < requests {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		require.NoError(t, r.ReadMessage(&m), "after %d pieces and %d rejects", pieces, rejects)
		if m.ID != peerwire.Extended || m.ExtendedID != fakeUTMetadataID {
			continue
		}
		um, err := utmetadata.ParseMessage(m.Payload)
		require.NoError(t, err)
		switch um.Type {
		case utmetadata.MsgData:
			pieces++
		case utmetadata.MsgReject:
			rejects++
		}
	}
	t.Logf("%d of %d requests answered with data, %d rejected", pieces, requests, rejects)
	require.Positive(t, pieces)
	require.Less(t, pieces, requests/2, "pieces were queued for a peer that does not read")
}
