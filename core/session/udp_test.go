package session

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
	"github.com/libbt/libbt/dht"
)

func udpSockets(t *testing.T) int {
	t.Helper()
	n, err := trackertest.UDPSockets()
	require.NoError(t, err)
	return n
}

// sampleUDPSockets records the most UDP sockets the process held until stop is called.
func sampleUDPSockets(t *testing.T) (stop func() int) {
	var (
		mu    sync.Mutex
		most  []string
		done  = make(chan struct{})
		ended = make(chan struct{})
	)
	go func() {
		defer close(ended)
		for {
			if socks, err := trackertest.UDPSocketAddrs(); err == nil {
				mu.Lock()
				if len(socks) > len(most) {
					most = socks
				}
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return func() int {
		close(done)
		<-ended
		t.Logf("at most %d UDP sockets: %v", len(most), most)
		return len(most)
	}
}

// addMagnets adds a magnet per hash announcing to trackerURL.
func addMagnets(t *testing.T, s *Session, trackerURL string, hashes []metainfo.InfoHash) {
	t.Helper()
	for _, h := range hashes {
		_, err := s.AddTorrent(AddTorrentParams{Magnet: &metainfo.Magnet{InfoHash: h, Trackers: []string{trackerURL}},
			SavePath: t.TempDir()})
		require.NoError(t, err)
	}
}

// waitTrackerReplies waits for a tracker_reply alert for every hash.
func waitTrackerReplies(t *testing.T, s *Session, hashes []metainfo.InfoHash, timeout time.Duration) {
	t.Helper()
	replied := map[metainfo.InfoHash]bool{}
	deadline := time.Now().Add(timeout)
	for len(replied) < len(hashes) {
		for _, a := range s.PopAlerts() {
			switch a.Type {
			case AlertTrackerReply:
				replied[a.InfoHash] = true
			case AlertTrackerError:
				t.Logf("tracker error: %s", a.Message)
			}
		}
		require.True(t, time.Now().Before(deadline), "%d of %d torrents had a tracker reply", len(replied), len(hashes))
		time.Sleep(20 * time.Millisecond)
	}
}

func testHashes(n int, tag byte) []metainfo.InfoHash {
	hs := make([]metainfo.InfoHash, n)
	for i := range hs {
		hs[i][0], hs[i][1], hs[i][2] = tag, byte(i), byte(i>>8)
	}
	return hs
}

// TestSessionTorrentsAnnounceAndTheDHTShareOneUDPSocket: 60 torrents announce to Debian's
// opentracker while the session's DHT node works on the same port: the session holds one UDP
// socket for its one listen address, before, during and after the announces, and none after
// Close.
func TestSessionTorrentsAnnounceAndTheDHTShareOneUDPSocket(t *testing.T) {
	hashes := testHashes(60, 0xa7)
	whitelist := make([][20]byte, len(hashes))
	for i, h := range hashes {
		whitelist[i] = h
	}
	otAddr := trackertest.Opentracker(t, whitelist...)
	boot, err := dht.New(dht.Config{Addrs: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:0")},
		RateLimit: dht.RateLimit{PerSecond: -1}})
	require.NoError(t, err)
	defer boot.Close()

	before := udpSockets(t)
	s := newTestSession(t, "127.0.0.1:0", func(st *Settings) {
		require.NoError(t, st.SetBool("enable_dht", true))
		require.NoError(t, st.SetString("dht_bootstrap_nodes", boot.Addr().String()))
	})
	port := uint16(s.ListenPort())
	require.Equal(t, before+1, udpSockets(t), "one UDP socket for the one listen address")
	require.Len(t, s.trackers.UDP, 1)
	mux := s.trackers.UDP[0]
	require.Equal(t, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), mux.LocalAddr())
	require.Equal(t, []netip.AddrPort{mux.LocalAddr()}, s.DHT().Addrs(), "the DHT is on the shared socket")

	stop := sampleUDPSockets(t)
	addMagnets(t, s, "udp://"+otAddr+"/announce", hashes)
	waitTrackerReplies(t, s, hashes, 30*time.Second)
	// The DHT on the same port: the bootstrap node reaches it, and it announced there.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id, err := boot.Ping(ctx, mux.LocalAddr())
	require.NoError(t, err)
	require.Equal(t, s.DHT().ID(), id)
	require.Eventually(t, func() bool { return boot.Stats().InfoHashes >= 1 }, 30*time.Second, 50*time.Millisecond,
		"the session's DHT announced a torrent to the bootstrap node")
	require.Equal(t, before+1, stop(), "no UDP socket opened per announce")

	// opentracker knows the session at its listen port for every torrent.
	c := &tracker.Client{}
	defer c.Close()
	for _, h := range []metainfo.InfoHash{hashes[0], hashes[len(hashes)/2], hashes[len(hashes)-1]} {
		resp, err := c.Announce(ctx, "http://"+otAddr+"/announce", tracker.AnnounceRequest{InfoHash: h, Port: 1, Left: 1, NumWant: 200})
		require.NoError(t, err)
		require.Contains(t, resp.Peers, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port), "torrent %x", h[:3])
	}
	st := mux.Stats()
	require.GreaterOrEqual(t, st.TrackerIn, uint64(len(hashes)+1), "%+v", st)
	require.Positive(t, st.KRPCIn)
	require.Zero(t, st.DroppedUnknown+st.DroppedWrongSource, "%+v", st)

	require.NoError(t, s.Close())
	require.Equal(t, before, udpSockets(t), "Close closes the shared socket")
}

// TestSessionTorrentsShareOneTrackerConnection: 30 torrents announcing to one UDP tracker
// connect once (the id lives a minute) from the session's one socket.
func TestSessionTorrentsShareOneTrackerConnection(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	s := newTestSession(t, "127.0.0.1:0")
	hashes := testHashes(30, 0xb8)
	addMagnets(t, s, srv.URL(), hashes)
	waitTrackerReplies(t, s, hashes, 30*time.Second)
	require.Len(t, srv.Announces(), len(hashes))
	require.Equal(t, 1, srv.Connects(), "one connect for all torrents")
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort(fmt.Sprintf("127.0.0.1:%d", s.ListenPort()))}, srv.Sources())
}

// TestSessionOpensOneUDPSocketPerListenAddress: listening on IPv4 and IPv6 loopback, the session
// holds two UDP sockets, each on its TCP listener's address and port, and the DHT runs on both.
func TestSessionOpensOneUDPSocketPerListenAddress(t *testing.T) {
	before := udpSockets(t)
	s := newTestSession(t, "127.0.0.1:0,[::1]:0", func(st *Settings) {
		require.NoError(t, st.SetBool("enable_dht", true))
	})
	s.mu.Lock()
	var tcp []netip.AddrPort
	for _, ln := range s.listeners {
		tcp = append(tcp, netip.MustParseAddrPort(ln.Addr().String()))
	}
	s.mu.Unlock()
	if len(tcp) < 2 {
		t.Skipf("no IPv6 loopback: listening on %v", tcp)
	}
	var udp []netip.AddrPort
	for _, m := range s.trackers.UDP {
		udp = append(udp, m.LocalAddr())
	}
	require.Equal(t, tcp, udp)
	require.Equal(t, udp, s.DHT().Addrs())
	require.Equal(t, before+2, udpSockets(t))
	require.NoError(t, s.Close())
	require.Equal(t, before, udpSockets(t))
}
