package tracker_test

import (
	"context"
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
	"github.com/libbt/libbt/core/udpmux"
)

func sharedMux(t *testing.T, addr string) *udpmux.Mux {
	t.Helper()
	m, err := udpmux.Listen(netip.MustParseAddrPort(addr), udpmux.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

func udpSockets(t *testing.T) int {
	t.Helper()
	n, err := trackertest.UDPSockets()
	require.NoError(t, err)
	return n
}

// sampleUDPSockets records the most UDP sockets the process held while it runs; at the end it
// logs their addresses.
func sampleUDPSockets(t *testing.T) (stop func() int) {
	var most atomic.Int64
	var mostAddrs []string
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			if socks, err := trackertest.UDPSocketAddrs(); err == nil && int64(len(socks)) > most.Load() {
				most.Store(int64(len(socks)))
				mostAddrs = socks
			}
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	return func() int {
		close(done)
		<-finished
		t.Logf("at most %d UDP sockets: %v", most.Load(), mostAddrs)
		return int(most.Load())
	}
}

func TestUDPAnnouncesShareOneSocketAndOneConnect(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	srv.SetDelay(200 * time.Millisecond) // every announce is in flight at once
	m := sharedMux(t, "127.0.0.1:0")
	c := closed(t, &tracker.Client{UDPTimeout: 5 * time.Second, UDP: []*udpmux.Mux{m}})

	before := udpSockets(t)
	stop := sampleUDPSockets(t)
	const torrents = 64
	var wg sync.WaitGroup
	errs := make(chan error, torrents)
	for i := range torrents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Announce(context.Background(), srv.URL(), req(byte(i), 'a', uint16(3000+i), 1, tracker.Started))
			errs <- err
		}()
	}
	wg.Wait()
	most := stop()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, before, most, "announces opened sockets of their own")
	require.Equal(t, []netip.AddrPort{m.LocalAddr()}, srv.Sources(), "every request left from the shared socket")
	require.Equal(t, 1, srv.Connects(), "concurrent announces share one connect")
	require.Len(t, srv.Announces(), torrents)
	st := m.Stats()
	require.Equal(t, uint64(torrents+1), st.TrackerIn)
	require.Zero(t, st.Dropped)
	require.Zero(t, st.PendingTx)

	// Within the id's minute, later announces connect no more.
	srv.SetDelay(0)
	_, err := c.Announce(context.Background(), srv.URL(), req(1, 'b', 4000, 1, tracker.None))
	require.NoError(t, err)
	require.Equal(t, 1, srv.Connects())
}

func TestUDPConnectionIDLivesForTokenExpiry(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := closed(t, &tracker.Client{UDPTimeout: 50 * time.Millisecond, UDPTokenExpiry: 10 * time.Second})
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	tracker.SetClock(c, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	announce := func() {
		_, err := c.Announce(context.Background(), srv.URL(), req(13, 'a', 1, 1, tracker.None))
		require.NoError(t, err)
	}
	announce()
	mu.Lock()
	now = now.Add(9 * time.Second)
	mu.Unlock()
	announce()
	require.Equal(t, 1, srv.Connects())
	mu.Lock()
	now = now.Add(time.Second)
	mu.Unlock()
	announce()
	require.Equal(t, 2, srv.Connects(), "udp_tracker_token_expiry reached: connect again")
}

func TestUDPAttemptsDoubleUpToTheReceiveTimeout(t *testing.T) {
	c := &tracker.Client{}
	var got []time.Duration
	for n := range 4 {
		got = append(got, tracker.AttemptWait(c, n))
	}
	// BEP 15 would wait 15, 30, 60, 120 s; libtorrent's tracker_receive_timeout caps it.
	require.Equal(t, []time.Duration{10 * time.Second, 10 * time.Second, 10 * time.Second, 10 * time.Second}, got)
	c = &tracker.Client{UDPTimeout: time.Second, UDPReceiveTimeout: 5 * time.Second}
	got = got[:0]
	for n := range 5 {
		got = append(got, tracker.AttemptWait(c, n))
	}
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}, got)
}

// TestUDPHostileRepliesAreDroppedAndCounted runs a tracker that answers every request with
// a spoofed copy from another address, garbage and a reply with the wrong transaction id
// before the real one: the client takes the real reply and the mux counts the rest.
func TestUDPHostileRepliesAreDroppedAndCounted(t *testing.T) {
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer pc.Close()
	spoofer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer spoofer.Close()
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			b := buf[:n]
			var reply []byte
			if binary.BigEndian.Uint32(b[8:]) == 0 {
				reply = append([]byte{0, 0, 0, 0}, b[12:16]...)
				reply = append(reply, 1, 2, 3, 4, 5, 6, 7, 8)
			} else {
				reply = append([]byte{0, 0, 0, 1}, b[12:16]...)
				reply = append(reply, 0, 0, 0, 60, 0, 0, 0, 1, 0, 0, 0, 2, 10, 0, 0, 1, 0x1a, 0xe1)
			}
			lie := append([]byte(nil), reply[:8]...)
			lie = append(lie, 0, 0, 0, 60, 0, 0, 0, 9, 0, 0, 0, 9, 6, 6, 6, 6, 0, 66)
			lie[3] = reply[3]
			spoofer.WriteToUDPAddrPort(lie, from) // right id, wrong address
			wrongID := append([]byte(nil), lie...)
			wrongID[7] ^= 0x55
			pc.WriteToUDPAddrPort(wrongID, from) // right address, wrong id
			pc.WriteToUDPAddrPort([]byte("\xff garbage"), from)
			time.Sleep(5 * time.Millisecond) // the lies arrive first
			pc.WriteToUDPAddrPort(reply, from)
		}
	}()
	m := sharedMux(t, "127.0.0.1:0")
	c := closed(t, &tracker.Client{UDPTimeout: 2 * time.Second, UDP: []*udpmux.Mux{m}})
	resp, err := c.Announce(context.Background(), "udp://"+pc.LocalAddr().String()+"/announce", req(6, 'a', 1, 1, tracker.None))
	require.NoError(t, err)
	require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("10.0.0.1:6881")}, resp.Peers)
	require.Equal(t, 2, resp.Seeders)
	st := m.Stats()
	require.Equal(t, uint64(2), st.DroppedWrongSource, "%+v", st)
	require.Equal(t, uint64(2), st.DroppedUnknownTx)
	require.Equal(t, uint64(2), st.DroppedUnknown)
	require.Equal(t, uint64(2), st.TrackerIn)
}

func TestUDPTrackerNoSharedSocketReachesGetsOneOwnSocket(t *testing.T) {
	srv := trackertest.NewUDP()
	defer srv.Close()
	v6 := sharedMux(t, "[::1]:0") // the wrong family for this tracker
	c := closed(t, &tracker.Client{UDPTimeout: time.Second, UDP: []*udpmux.Mux{v6}})
	for i := range 5 {
		_, err := c.Announce(context.Background(), srv.URL(), req(14, byte(i), 1, 1, tracker.None))
		require.NoError(t, err)
	}
	src := srv.Sources()
	require.Len(t, src, 1, "one socket of the client's own for IPv4, not one per announce")
	require.NotEqual(t, v6.LocalAddr(), src[0])
	before := udpSockets(t)
	require.NoError(t, c.Close())
	require.Equal(t, before-1, udpSockets(t), "Close closes the client's own socket")
	_, err := c.Announce(context.Background(), srv.URL(), req(14, 'z', 1, 1, tracker.None))
	require.ErrorIs(t, err, udpmux.ErrClosed)
}
