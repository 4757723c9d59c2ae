package tracker_test

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
	"github.com/libbt/libbt/core/udpmux"
)

// startOpentracker runs Debian's opentracker with a whitelist of hashes; see
// trackertest.Opentracker.
func startOpentracker(t *testing.T, hashes ...[20]byte) string {
	return trackertest.Opentracker(t, hashes...)
}

func TestOpentrackerTwoPeersSeeEachOther(t *testing.T) {
	httpHash := req(0x11, 0, 0, 0, 0).InfoHash
	udpHash := req(0x22, 0, 0, 0, 0).InfoHash
	addr := startOpentracker(t, httpHash, udpHash)
	c := closed(t, &tracker.Client{UDPTimeout: 500 * time.Millisecond, UDPRetries: 3})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for _, tc := range []struct {
		name, url string
		hash      byte
	}{
		{"http", "http://" + addr + "/announce", 0x11},
		{"udp", "udp://" + addr + "/announce", 0x22},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := req(tc.hash, 'a', 7001, 0, tracker.Started), req(tc.hash, 'b', 7002, 1000, tracker.Started)
			_, err := c.Announce(ctx, tc.url, a)
			require.NoError(t, err)
			resp, err := c.Announce(ctx, tc.url, b)
			require.NoError(t, err)
			require.Contains(t, resp.Peers, netip.MustParseAddrPort("127.0.0.1:7001"))
			require.Equal(t, 1, resp.Seeders)
			require.Equal(t, 1, resp.Leechers)
			require.Positive(t, resp.Interval)

			resp, err = c.Announce(ctx, tc.url, req(tc.hash, 'a', 7001, 0, tracker.None))
			require.NoError(t, err)
			require.Contains(t, resp.Peers, netip.MustParseAddrPort("127.0.0.1:7002"))

			b.Event = tracker.Stopped
			_, err = c.Announce(ctx, tc.url, b)
			require.NoError(t, err)
			resp, err = c.Announce(ctx, tc.url, req(tc.hash, 'a', 7001, 0, tracker.None))
			require.NoError(t, err)
			require.NotContains(t, resp.Peers, netip.MustParseAddrPort("127.0.0.1:7002"), "stopped peer is gone")
		})
	}
}

func TestOpentrackerRejectsUnlistedHashWithFailureReason(t *testing.T) {
	addr := startOpentracker(t, req(0x11, 0, 0, 0, 0).InfoHash)
	c := closed(t, &tracker.Client{UDPTimeout: 200 * time.Millisecond, UDPRetries: 1})
	_, err := c.Announce(context.Background(), "http://"+addr+"/announce", req(0x33, 'a', 7001, 0, tracker.Started))
	var fe *tracker.FailureError
	require.ErrorAs(t, err, &fe)
	require.Contains(t, fe.Reason, "not authorized")

	_, err = c.Announce(context.Background(), "udp://"+addr+"/announce", req(0x33, 'a', 7001, 0, tracker.Started))
	// opentracker refuses an unlisted hash over UDP with a bare 8-byte
	// announce header rather than an error action.
	require.ErrorIs(t, err, tracker.ErrMalformedResponse)
}

// TestOpentrackerManyTorrentsAnnounceThroughOneSocket: 200 torrents announce to Debian's
// opentracker at once, twice, through one shared socket: no socket opens per announce, one
// connect serves them all, and every second announcer is told of the first.
func TestOpentrackerManyTorrentsAnnounceThroughOneSocket(t *testing.T) {
	const torrents = 200
	hashes := make([][20]byte, torrents)
	for i := range hashes {
		hashes[i][0], hashes[i][1], hashes[i][19] = 0x5a, byte(i), byte(i>>8)
	}
	addr := startOpentracker(t, hashes...)
	m := sharedMux(t, "127.0.0.1:0")
	c := closed(t, &tracker.Client{UDPTimeout: 5 * time.Second, UDP: []*udpmux.Mux{m}})
	url := "udp://" + addr + "/announce"
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	before := udpSockets(t)
	stop := sampleUDPSockets(t)
	announceAll := func(peer byte, port uint16) []*tracker.AnnounceResponse {
		out := make([]*tracker.AnnounceResponse, torrents)
		errs := make([]error, torrents)
		var wg sync.WaitGroup
		for i := range torrents {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := tracker.AnnounceRequest{InfoHash: hashes[i], Port: port, Left: 1, Event: tracker.Started, NumWant: 50}
				r.PeerID[0], r.PeerID[1] = peer, byte(i)
				out[i], errs[i] = c.Announce(ctx, url, r)
			}()
		}
		wg.Wait()
		for i, err := range errs {
			require.NoError(t, err, "torrent %d", i)
		}
		return out
	}
	announceAll('a', 7001)
	second := announceAll('b', 7002)
	most := stop()
	for i, resp := range second {
		require.Contains(t, resp.Peers, netip.MustParseAddrPort("127.0.0.1:7001"), "torrent %d", i)
	}
	require.Equal(t, before, most, "an announce opened a socket of its own")
	st := m.Stats()
	require.Zero(t, st.Dropped, "%+v", st)
	require.Equal(t, st.PacketsOut, st.TrackerIn, "every request answered once")
	require.Equal(t, uint64(2*torrents+1), st.TrackerIn, "one connect for all 400 announces")
}
