package session

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/libbt/libbt/core/limits"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/upload"
	"github.com/stretchr/testify/require"
)

// greedyReader connects to a seeding session, says it is interested, waits to be unchoked,
// then writes requests from requests (until it returns nil) and never reads again: the slow
// reader attack on a seeder's memory. It returns once the requests are written or the
// connection breaks.
func greedyReader(t *testing.T, s *Session, mi *metainfo.MetaInfo, id string, requests func() []byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp4", fmt.Sprintf("127.0.0.1:%d", s.ListenPort()))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	h := peerwire.Handshake{InfoHash: mi.InfoHash}
	copy(h.PeerID[:], id)
	h.SetFast()
	require.NoError(t, peerwire.WriteHandshake(c, h))
	_, err = peerwire.ReadHandshake(c)
	require.NoError(t, err)
	_, err = c.Write(peerwire.AppendSimple(nil, peerwire.Interested))
	require.NoError(t, err)
	r := peerwire.NewReader(c, peerwire.DefaultMaxMessage)
	var m peerwire.Message
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for m.ID != peerwire.Unchoke || m.KeepAlive {
		require.NoError(t, r.ReadMessage(&m), "waiting for unchoke")
	}
	for buf := requests(); buf != nil; buf = requests() {
		if _, err := c.Write(buf); err != nil {
			break
		}
	}
	return c
}

// everyBlock returns one batch with a request for every block of the torrent.
func everyBlock(mi *metainfo.MetaInfo) func() []byte {
	done := false
	return func() []byte {
		if done {
			return nil
		}
		done = true
		var buf []byte
		for i := 0; i < mi.Info.NumPieces(); i++ {
			size := mi.Info.PieceSize(metainfo.PieceIndex(i))
			for off := int64(0); off < size; off += picker.BlockSize {
				buf = peerwire.AppendRequest(buf, uint32(i), uint32(off), uint32(min(picker.BlockSize, size-off)))
			}
		}
		return buf
	}
}

func heapInUse() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

// The issue-9 attack, scaled down: peers that request every block and never read their
// sockets. Before the send-buffer watermark the seeder read the whole torrent into memory for
// each of them.
func TestSlowReadersDoNotGrowTheSeederPastTheWatermark(t *testing.T) {
	const readers = 4
	mi, _, root := oneFileTorrent(t, 32<<20, 256<<10)
	seeder := newTestSession(t, "127.0.0.1:0", func(st *Settings) {
		require.NoError(t, st.SetInt("cache_size", 64)) // the disk cache is not what is measured
	})
	tor, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 10*time.Second, StateSeeding)
	before := heapInUse()

	for i := range readers {
		greedyReader(t, seeder, mi, fmt.Sprintf("-SLOW00-reader%06d", i), everyBlock(mi))
	}
	// Give the seeder time to serve what it will (before the fix: everything, in well under
	// a second). Sample the session's count of bytes held for peers meanwhile.
	watermark := seeder.settings.Int("send_buffer_watermark")
	perPeer := watermark + maxBlockRequest + sendBacklog // see peer.go send and upload.go fillSendBuffer
	var peak int64
	for range 30 {
		peak = max(peak, seeder.peerSendBytes.Load())
		time.Sleep(100 * time.Millisecond)
	}
	grown := heapInUse() - before
	t.Logf("heap grew by %d KiB; peak bytes held for peers %d KiB", grown>>10, peak>>10)
	require.LessOrEqual(t, peak, readers*(watermark+maxBlockRequest), "payload held for peers stays under their watermarks")
	// Buffers may be up to twice their length (append growth) and the writer keeps a spare.
	require.Less(t, grown, readers*3*perPeer+8<<20, "the seeder's heap stays bounded")
	require.Equal(t, readers, tor.Status().NumPeers, "slow readers are not disconnected for being slow")
}

func TestRequestsPastTheQueueLimitAreRejectedWithAnAlert(t *testing.T) {
	mi, _, root := oneFileTorrent(t, 4<<20, 64<<10)
	seeder := newTestSession(t, "127.0.0.1:0", func(st *Settings) {
		require.NoError(t, st.SetInt("max_allowed_in_request_queue", 100))
	})
	tor, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 10*time.Second, StateSeeding)
	c := greedyReader(t, seeder, mi, "-SLOW00-reqqflood001", everyBlock(mi))

	// Now read: every request is answered, with a piece or, past the queue, a reject.
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	r := peerwire.NewReader(c, peerwire.DefaultMaxMessage)
	var m peerwire.Message
	pieces, rejects := 0, 0
	for pieces+rejects < 256 {
		require.NoError(t, r.ReadMessage(&m))
		switch m.ID {
		case peerwire.Piece:
			pieces++
		case peerwire.RejectRequest:
			rejects++
		}
	}
	require.Positive(t, rejects)
	require.GreaterOrEqual(t, pieces, 100)

	var perf *Alert
	require.Eventually(t, func() bool {
		for _, a := range seeder.PopAlerts() {
			if a.Type == AlertPerformance && errors.Is(a.Err, limits.ErrLimit) {
				perf = &a
				return true
			}
		}
		return false
	}, 5*time.Second, 20*time.Millisecond)
	var le *limits.Error
	require.ErrorAs(t, perf.Err, &le)
	require.Equal(t, upload.LimitRequestQueue, le.Limit)
	require.Equal(t, int64(100), le.Max)
	require.Contains(t, perf.Message, "max_allowed_in_request_queue")
}

// A peer that keeps sending requests it will be refused and never reads the refusals is cut
// off at the send buffer's bound instead of growing it forever.
func TestPeerThatNeverReadsItsRejectsIsDisconnectedAtTheBacklogLimit(t *testing.T) {
	mi, _, root := oneFileTorrent(t, 1<<20, 64<<10)
	seeder := newTestSession(t, "127.0.0.1:0", func(st *Settings) {
		require.NoError(t, st.SetInt("max_allowed_in_request_queue", 1))
	})
	tor, err := seeder.AddTorrent(AddTorrentParams{MetaInfo: mi, SavePath: root})
	require.NoError(t, err)
	waitState(t, tor, 10*time.Second, StateSeeding)

	// 64 MiB of requests, far more rejects than any bound allows.
	var batch []byte
	for range 4096 {
		batch = peerwire.AppendRequest(batch, 0, 0, picker.BlockSize)
	}
	sent := 0
	greedyReader(t, seeder, mi, "-SLOW00-rejectflood1", func() []byte {
		if sent += len(batch); sent > 64<<20 {
			return nil
		}
		return batch
	})
	var gone *Alert
	require.Eventually(t, func() bool {
		for _, a := range seeder.PopAlerts() {
			if a.Type == AlertPeerError && errors.Is(a.Err, limits.ErrLimit) {
				gone = &a
				return true
			}
		}
		return false
	}, 20*time.Second, 20*time.Millisecond)
	var le *limits.Error
	require.ErrorAs(t, gone.Err, &le)
	require.Equal(t, "send_buffer_backlog", le.Limit)
	require.Equal(t, seeder.settings.Int("send_buffer_watermark")+sendBacklog, le.Max)
	require.Zero(t, tor.Status().NumPeers)
}
