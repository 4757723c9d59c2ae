package dht

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/core/tracker/trackertest"
	"github.com/libbt/libbt/core/udpmux"
)

// sharedSocket opens a udpmux socket on loopback and its KRPC view, as a session does.
func sharedSocket(t *testing.T) (*udpmux.Mux, PacketConn) {
	t.Helper()
	m, err := udpmux.Listen(loop4, udpmux.Config{})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	v, err := m.KRPC()
	require.NoError(t, err)
	return m, v
}

// requireTrackerWorksOn announces twice to a UDP tracker through m and checks that the
// requests left from m's socket.
func requireTrackerWorksOn(t *testing.T, m *udpmux.Mux) {
	t.Helper()
	srv := trackertest.NewUDP()
	defer srv.Close()
	c := &tracker.Client{UDPTimeout: time.Second, UDP: []*udpmux.Mux{m}}
	defer c.Close()
	for _, peer := range []byte{'a', 'b'} {
		r := tracker.AnnounceRequest{Port: 7000 + uint16(peer), Left: 1, NumWant: -1, Event: tracker.Started}
		r.InfoHash[0], r.PeerID[0] = 0x77, peer
		resp, err := c.Announce(context.Background(), srv.URL(), r)
		require.NoError(t, err)
		if peer == 'b' {
			require.Equal(t, []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:7097")}, resp.Peers)
		}
	}
	require.Equal(t, []netip.AddrPort{m.LocalAddr()}, srv.Sources())
}

func TestNodeOnASharedSocketWorksBesideTrackerAnnounces(t *testing.T) {
	m, conn := sharedSocket(t)
	cfg := testConfig()
	cfg.Addrs, cfg.Conns = nil, []PacketConn{conn}
	a := newNode(t, cfg)
	b := newNode(t, testConfig()) // a node on a socket of its own
	require.Equal(t, []netip.AddrPort{m.LocalAddr()}, a.Addrs())

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	id, err := a.Ping(ctx, b.Addr())
	require.NoError(t, err)
	require.Equal(t, b.ID(), id)
	id, err = b.Ping(ctx, m.LocalAddr()) // a query in through the shared socket
	require.NoError(t, err)
	require.Equal(t, a.ID(), id)

	requireTrackerWorksOn(t, m) // tracker replies on the same port, meanwhile

	ih := metainfo.InfoHash(RandomID())
	require.NoError(t, a.Announce(ctx, ih, 6881, false))
	peers, err := b.GetPeers(ctx, ih)
	require.NoError(t, err)
	require.Contains(t, peers, netip.MustParseAddrPort("127.0.0.1:6881"))

	st := m.Stats()
	require.Positive(t, st.KRPCIn)
	require.Equal(t, uint64(3), st.TrackerIn) // one connect, two announces
	require.Zero(t, st.Dropped, "%+v", st)
	require.Equal(t, st.KRPCIn, a.Stats().PacketsIn, "the node read every KRPC datagram the mux took")

	// Closing the node closes its view, not the shared socket: the trackers keep it, and a
	// new node can take the KRPC traffic.
	require.NoError(t, a.Close())
	requireTrackerWorksOn(t, m)
	v, err := m.KRPC()
	require.NoError(t, err)
	cfg.Conns = []PacketConn{v}
	c := newNode(t, cfg)
	_, err = c.Ping(ctx, b.Addr())
	require.NoError(t, err)
}

func TestConfigRejectsTwoConnsOfOneFamily(t *testing.T) {
	_, v1 := sharedSocket(t)
	_, v2 := sharedSocket(t)
	_, err := New(Config{Conns: []PacketConn{v1, v2}})
	require.ErrorContains(t, err, "two connections of one family")
}
