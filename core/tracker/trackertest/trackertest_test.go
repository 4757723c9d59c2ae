package trackertest_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
)

func announceReq(peer byte, port uint16) tracker.AnnounceRequest {
	r := tracker.AnnounceRequest{Port: port, Left: 10, Event: tracker.Started, NumWant: -1}
	for i := range r.InfoHash {
		r.InfoHash[i] = 0x42
		r.PeerID[i] = peer
	}
	return r
}

func TestHTTPTrackerServesDictPeersWhenNotCompact(t *testing.T) {
	srv := trackertest.NewHTTP()
	defer srv.Close()
	var c tracker.Client
	_, err := c.Announce(context.Background(), srv.URL(), announceReq('a', 7001))
	require.NoError(t, err)

	u := strings.Replace(tracker.AnnounceURL(srv.URL(), announceReq('b', 7002)), "compact=1", "compact=0", 1)
	hresp, err := http.Get(u)
	require.NoError(t, err)
	defer hresp.Body.Close()
	body, err := io.ReadAll(hresp.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), "2:ip9:127.0.0.1")
	resp, err := tracker.ParseHTTPResponse(body)
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:7001")}, resp.Peers)
}

func TestHTTPTrackerRejectsBadInfoHash(t *testing.T) {
	srv := trackertest.NewHTTP()
	defer srv.Close()
	hresp, err := http.Get(srv.URL() + "?info_hash=short&peer_id=x&port=1")
	require.NoError(t, err)
	defer hresp.Body.Close()
	body, err := io.ReadAll(hresp.Body)
	require.NoError(t, err)
	_, err = tracker.ParseHTTPResponse(body)
	var fe *tracker.FailureError
	require.ErrorAs(t, err, &fe)
	require.Empty(t, srv.Announces())
}

func TestTrackersHonourNumWantAndWaitAnnounces(t *testing.T) {
	for _, srv := range []interface {
		URL() string
		Close()
		WaitAnnounces(int, time.Duration) []trackertest.Announce
	}{trackertest.NewHTTP(), trackertest.NewUDP()} {
		c := tracker.Client{UDPTimeout: 100 * time.Millisecond}
		done := make(chan []trackertest.Announce)
		go func() { done <- srv.WaitAnnounces(4, 5*time.Second) }()
		for i := range 3 {
			_, err := c.Announce(context.Background(), srv.URL(), announceReq(byte('a'+i), uint16(7000+i)))
			require.NoError(t, err)
		}
		r := announceReq('z', 7100)
		r.NumWant = 2
		resp, err := c.Announce(context.Background(), srv.URL(), r)
		require.NoError(t, err)
		require.Len(t, resp.Peers, 2, srv.URL())
		got := <-done
		require.Len(t, got, 4)
		require.Equal(t, 2, got[3].NumWant)
		require.Equal(t, netip.MustParseAddrPort("127.0.0.1:7100"), got[3].Addr)
		require.Len(t, srv.WaitAnnounces(5, 10*time.Millisecond), 4, "times out with what it has")
		srv.Close()
		srv.Close() // idempotent
	}
}

func TestUDPTrackerIgnoresUnknownConnectionID(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	conn, err := net.Dial("udp", srv.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	pkt := make([]byte, 98)
	binary.BigEndian.PutUint64(pkt, 12345) // never handed out
	binary.BigEndian.PutUint32(pkt[8:], 1)
	_, err = conn.Write(pkt)
	require.NoError(t, err)
	conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	_, err = conn.Read(make([]byte, 100))
	require.Error(t, err, "no reply expected")
	require.Empty(t, srv.Announces())
}

func TestUDPTrackerRejectsNonLoopbackAddress(t *testing.T) {
	require.Panics(t, func() { trackertest.NewUDPAddr("0.0.0.0:0") })
}
