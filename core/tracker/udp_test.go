package tracker_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
)

func fastClient(t *testing.T) *tracker.Client {
	return closed(t, &tracker.Client{UDPTimeout: 50 * time.Millisecond, UDPRetries: 3})
}

// closed closes c's own sockets when the test ends.
func closed(t *testing.T, c *tracker.Client) *tracker.Client {
	t.Cleanup(func() { c.Close() })
	return c
}

func req(hash, peer byte, port uint16, left int64, ev tracker.Event) tracker.AnnounceRequest {
	r := tracker.AnnounceRequest{Port: port, Left: left, Event: ev, NumWant: -1, Key: 0xdeadbeef}
	for i := range r.InfoHash {
		r.InfoHash[i] = hash
		r.PeerID[i] = peer
	}
	return r
}

func TestUDPAnnounceReturnsOtherPeers(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	srv.SetInterval(17*time.Minute, 0)
	c := fastClient(t)
	ctx := context.Background()

	_, err := c.Announce(ctx, srv.URL(), req(1, 'a', 6881, 0, tracker.Started))
	require.NoError(t, err)
	resp, err := c.Announce(ctx, srv.URL(), req(1, 'b', 6882, 100, tracker.Started))
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:6881")}, resp.Peers)
	require.Equal(t, 17*time.Minute, resp.Interval)
	require.Equal(t, 1, resp.Seeders)
	require.Equal(t, 1, resp.Leechers)

	got := srv.Announces()
	require.Len(t, got, 2)
	require.Equal(t, tracker.Started, got[1].Event)
	require.Equal(t, int64(100), got[1].Left)
	require.Equal(t, uint32(0xdeadbeef), got[1].Key)
	require.Equal(t, -1, got[1].NumWant)
	require.Equal(t, 1, srv.Connects(), "connection id must be reused within 60 s")
}

func TestUDPAnnounceSendsAllEvents(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := fastClient(t)
	for _, ev := range []tracker.Event{tracker.None, tracker.Started, tracker.Completed, tracker.Stopped} {
		_, err := c.Announce(context.Background(), srv.URL(), req(2, 'a', 1000, 5, ev))
		require.NoError(t, err)
	}
	var evs []tracker.Event
	for _, a := range srv.Announces() {
		evs = append(evs, a.Event)
	}
	require.Equal(t, []tracker.Event{tracker.None, tracker.Started, tracker.Completed, tracker.Stopped}, evs)
	require.Empty(t, srv.Peers([20]byte{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}), "stopped peer leaves the swarm")
}

func TestUDPRetriesAfterDroppedPackets(t *testing.T) {
	for _, drop := range []int{1, 2} { // 1: connect lost; 2: connect lost, then announce lost
		srv := trackertest.NewUDP()
		srv.DropNext(drop)
		c := fastClient(t)
		start := time.Now()
		_, err := c.Announce(context.Background(), srv.URL(), req(3, 'a', 1000, 5, tracker.Started))
		require.NoError(t, err, "drop %d", drop)
		require.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "first attempt must time out")
		require.Len(t, srv.Announces(), 1)
		srv.Close()
	}
}

func TestUDPTimesOutAfterRetries(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	srv.DropNext(1000)
	c := closed(t, &tracker.Client{UDPTimeout: 10 * time.Millisecond, UDPRetries: 2})
	start := time.Now()
	_, err := c.Announce(context.Background(), srv.URL(), req(3, 'a', 1000, 5, tracker.Started))
	require.ErrorIs(t, err, tracker.ErrTimeout)
	// 10 + 20 + 40 ms of waiting, BEP 15's doubling.
	require.GreaterOrEqual(t, time.Since(start), 70*time.Millisecond)
	var te *tracker.Error
	require.ErrorAs(t, err, &te)
	require.Equal(t, srv.URL(), te.URL)
	require.Contains(t, err.Error(), srv.URL())
}

func TestUDPErrorActionIsFailureError(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	srv.SetFailure("torrent not registered")
	_, err := fastClient(t).Announce(context.Background(), srv.URL(), req(4, 'a', 1000, 5, tracker.Started))
	var fe *tracker.FailureError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "torrent not registered", fe.Reason)
	require.Contains(t, err.Error(), srv.URL())
}

func TestUDPContextCancelStopsWaiting(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	srv.DropNext(1000)
	c := closed(t, &tracker.Client{UDPTimeout: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.Announce(ctx, srv.URL(), req(5, 'a', 1000, 5, tracker.Started))
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 2*time.Second)

	ctx, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	_, err = c.Announce(ctx, srv.URL(), req(5, 'a', 1000, 5, tracker.Started))
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestUDPIgnoresStrayDatagrams(t *testing.T) {
	// A fake tracker that first answers with a wrong transaction id, then
	// the right one: the client must skip the stray reply.
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer pc.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			b := buf[:n]
			var reply []byte
			if n == 16 {
				reply = append([]byte{0, 0, 0, 0}, b[12:16]...)
				reply = append(reply, 1, 2, 3, 4, 5, 6, 7, 8)
			} else {
				reply = append([]byte{0, 0, 0, 1}, b[12:16]...)
				reply = append(reply, 0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0, 2, 10, 0, 0, 1, 0x1a, 0xe1)
			}
			stray := append([]byte(nil), reply...)
			stray[4] ^= 0xff
			pc.WriteToUDPAddrPort(stray, from)
			pc.WriteToUDPAddrPort([]byte{0, 0}, from) // runt
			pc.WriteToUDPAddrPort(reply, from)
		}
	}()
	resp, err := fastClient(t).Announce(context.Background(), "udp://"+pc.LocalAddr().String()+"/announce", req(6, 'a', 1, 1, tracker.None))
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:6881")}, resp.Peers)
	require.Equal(t, time.Minute, resp.Interval)
}

func TestUDPIPv6TrackerReturns18BytePeers(t *testing.T) {
	l, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	l.Close()
	srv := trackertest.NewUDPAddr("[::1]:0")
	defer srv.Close()
	c := fastClient(t)
	_, err = c.Announce(context.Background(), srv.URL(), req(7, 'a', 7001, 0, tracker.Started))
	require.NoError(t, err)
	resp, err := c.Announce(context.Background(), srv.URL(), req(7, 'b', 7002, 0, tracker.Started))
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("[::1]:7001")}, resp.Peers)
}

func TestUDPConcurrentAnnouncesAreRaceFree(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := fastClient(t)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Announce(context.Background(), srv.URL(), req(8, byte(i), uint16(2000+i), 1, tracker.Started))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, srv.Peers(req(8, 0, 0, 0, 0).InfoHash), 16)
}

func TestUDPClosedPortTimesOut(t *testing.T) {
	// The shared socket is not connected, so a closed port's ICMP reply does not reach it
	// (as in libtorrent): the announce times out rather than failing at once.
	pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	addr := pc.LocalAddr().String()
	pc.Close()
	c := closed(t, &tracker.Client{UDPTimeout: 10 * time.Millisecond, UDPRetries: 1})
	_, err = c.Announce(context.Background(), "udp://"+addr, req(9, 'a', 1, 1, tracker.None))
	require.ErrorIs(t, err, tracker.ErrTimeout)
	var fe *tracker.FailureError
	require.False(t, errors.As(err, &fe))
	require.Contains(t, err.Error(), addr)
}

func TestAnnounceRejectsUnknownScheme(t *testing.T) {
	_, err := fastClient(t).Announce(context.Background(), "wss://tracker.example/announce", req(1, 1, 1, 1, tracker.None))
	require.ErrorIs(t, err, tracker.ErrUnsupportedScheme)
	_, err = fastClient(t).Announce(context.Background(), "udp://127.0.0.1/announce", req(1, 1, 1, 1, tracker.None))
	require.ErrorContains(t, err, "no port")
}

func TestUDPConnectionIDExpiresAfter60Seconds(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := fastClient(t)
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	tracker.SetClock(c, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	announce := func() {
		_, err := c.Announce(context.Background(), srv.URL(), req(10, 'a', 1, 1, tracker.None))
		require.NoError(t, err)
	}
	announce()
	advance(59 * time.Second)
	announce()
	require.Equal(t, 1, srv.Connects())
	advance(time.Second)
	announce()
	require.Equal(t, 2, srv.Connects())
}

func TestParseUDPAnnounceResponse(t *testing.T) {
	hdr := []byte{0, 0, 0, 1, 9, 9, 9, 9, 0, 0, 0x07, 0x08, 0, 0, 0, 3, 0, 0, 0, 4}
	v6peer := append(netip.MustParseAddr("2001:db8::1").AsSlice(), 0x1a, 0xe1)
	mapped := append(netip.MustParseAddr("::ffff:10.1.2.3").AsSlice(), 0, 80)
	tests := []struct {
		name    string
		in      []byte
		v6      bool
		want    *tracker.AnnounceResponse
		failure string
		errIs   error
	}{
		{name: "no peers", in: hdr, want: &tracker.AnnounceResponse{Interval: 1800 * time.Second, Leechers: 3, Seeders: 4, Peers: []netip.AddrPort{}}},
		{name: "v4 peers, port 0 dropped", in: cat(hdr, []byte{10, 0, 0, 1, 0x1a, 0xe1, 10, 0, 0, 2, 0, 0}),
			want: &tracker.AnnounceResponse{Interval: 1800 * time.Second, Leechers: 3, Seeders: 4,
				Peers: []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:6881")}}},
		{name: "v6 peers, mapped v4 unmapped", in: cat(hdr, v6peer, mapped), v6: true,
			want: &tracker.AnnounceResponse{Interval: 1800 * time.Second, Leechers: 3, Seeders: 4,
				Peers: []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::1]:6881"), netip.MustParseAddrPort("10.1.2.3:80")}}},
		{name: "partial peer", in: cat(hdr, []byte{1, 2, 3}), errIs: tracker.ErrMalformedResponse},
		{name: "v4-sized peer on v6", in: cat(hdr, []byte{1, 2, 3, 4, 5, 6}), v6: true, errIs: tracker.ErrMalformedResponse},
		{name: "short header", in: hdr[:12], errIs: tracker.ErrMalformedResponse},
		{name: "runt", in: []byte{0, 0, 0}, errIs: tracker.ErrMalformedResponse},
		{name: "connect action", in: cat([]byte{0, 0, 0, 0}, hdr[4:]), errIs: tracker.ErrMalformedResponse},
		{name: "error action", in: cat([]byte{0, 0, 0, 3, 1, 2, 3, 4}, []byte("go away")), failure: "go away"},
		{name: "error action invalid utf8", in: []byte{0, 0, 0, 3, 1, 2, 3, 4, 'x', 0xff}, failure: "x\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tracker.ParseUDPAnnounceResponse(tt.in, tt.v6)
			switch {
			case tt.failure != "":
				var fe *tracker.FailureError
				require.ErrorAs(t, err, &fe)
				require.Equal(t, tt.failure, fe.Reason)
			case tt.errIs != nil:
				require.ErrorIs(t, err, tt.errIs)
				require.Nil(t, got)
			default:
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
			}
		})
	}
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestUDPSendsPathAndQueryAsBEP41URLData(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := fastClient(t)
	long := strings.Repeat("x", 300) // spans two 255-byte options
	for _, suffix := range []string{"", "?passkey=abc%20d", "?k=" + long} {
		_, err := c.Announce(context.Background(), srv.URL()+suffix, req(11, 'a', 1, 1, tracker.None))
		require.NoError(t, err)
	}
	var got []string
	for _, a := range srv.Announces() {
		got = append(got, a.URLData)
	}
	require.Equal(t, []string{"/announce", "/announce?passkey=abc%20d", "/announce?k=" + long}, got)

	_, err := c.Announce(context.Background(), srv.URL()+"?k="+strings.Repeat("y", 2000), req(11, 'a', 1, 1, tracker.None))
	require.ErrorContains(t, err, "longer than")
}

func TestUDPErrorReplyForgetsConnectionID(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := fastClient(t)
	_, err := c.Announce(context.Background(), srv.URL(), req(12, 'a', 1, 1, tracker.None))
	require.NoError(t, err)
	srv.SetFailure("connection id mismatch")
	_, err = c.Announce(context.Background(), srv.URL(), req(12, 'a', 1, 1, tracker.None))
	require.Error(t, err)
	srv.SetFailure("")
	_, err = c.Announce(context.Background(), srv.URL(), req(12, 'a', 1, 1, tracker.None))
	require.NoError(t, err)
	require.Equal(t, 2, srv.Connects(), "reconnects after an error reply")
}
