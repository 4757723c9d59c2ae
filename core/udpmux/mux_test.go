package udpmux_test

import (
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/udpmux"
)

var loop4 = netip.MustParseAddrPort("127.0.0.1:0")

func listen(t *testing.T, cfg udpmux.Config) *udpmux.Mux {
	t.Helper()
	m, err := udpmux.Listen(loop4, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// peer is a plain loopback socket standing in for a tracker, a DHT node or a uTP peer.
func peer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(loop4))
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func addrOf(c *net.UDPConn) netip.AddrPort { return c.LocalAddr().(*net.UDPAddr).AddrPort() }

func send(t *testing.T, from *net.UDPConn, to *udpmux.Mux, b []byte) {
	t.Helper()
	_, err := from.WriteToUDPAddrPort(b, to.LocalAddr())
	require.NoError(t, err)
}

// waitIn waits until the mux has read n datagrams: what it did with them is then in Stats.
func waitIn(t *testing.T, m *udpmux.Mux, n uint64) udpmux.Stats {
	t.Helper()
	require.Eventually(t, func() bool { return m.Stats().PacketsIn >= n }, 5*time.Second, time.Millisecond)
	return m.Stats()
}

func trackerReply(action, tid uint32, body ...byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, action)
	b = binary.BigEndian.AppendUint32(b, tid)
	return append(b, body...)
}

func recv(t *testing.T, ch <-chan []byte) []byte {
	t.Helper()
	select {
	case b := <-ch:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no reply delivered")
		return nil
	}
}

func TestTrackerReplyReachesItsTransaction(t *testing.T) {
	m := listen(t, udpmux.Config{})
	tr := peer(t)
	tx, err := m.NewTx(addrOf(tr))
	require.NoError(t, err)
	defer tx.Close()
	require.NoError(t, tx.Send([]byte("request")))
	buf := make([]byte, 64)
	n, from, err := tr.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "request", string(buf[:n]))
	require.Equal(t, m.LocalAddr(), from)

	reply := trackerReply(0, tx.ID(), 1, 2, 3, 4, 5, 6, 7, 8)
	send(t, tr, m, reply)
	require.Equal(t, reply, recv(t, tx.Reply()))
	st := m.Stats()
	require.Equal(t, uint64(1), st.TrackerIn)
	require.Equal(t, uint64(1), st.PacketsOut)
	require.Equal(t, 1, st.PendingTx)
	tx.Close()
	require.Equal(t, 0, m.Stats().PendingTx)
}

func TestHostileTrackerRepliesAreDroppedAndCounted(t *testing.T) {
	m := listen(t, udpmux.Config{})
	tr, other := peer(t), peer(t)
	tx, err := m.NewTx(addrOf(tr))
	require.NoError(t, err)
	defer tx.Close()

	send(t, tr, m, trackerReply(1, tx.ID()^1))                        // spoofed transaction id
	send(t, other, m, trackerReply(1, tx.ID()))                       // right id, wrong address
	send(t, tr, m, trackerReply(1, tx.ID(), make([]byte, 17<<10)...)) // oversized
	st := waitIn(t, m, 3)
	require.Equal(t, uint64(1), st.DroppedUnknownTx)
	require.Equal(t, uint64(1), st.DroppedWrongSource)
	require.Equal(t, uint64(1), st.DroppedOversized, "%+v", st)
	require.Equal(t, uint64(3), st.Dropped)
	select {
	case b := <-tx.Reply():
		t.Fatalf("hostile reply delivered: %x", b[:8])
	default:
	}

	good := trackerReply(3, tx.ID(), []byte("go away")...)
	send(t, tr, m, good)
	send(t, tr, m, good)
	require.Equal(t, good, recv(t, tx.Reply()))
	st = waitIn(t, m, 5)
	require.Equal(t, uint64(1), st.DroppedDuplicate)

	tx.Close()
	send(t, tr, m, good) // late: the transaction is gone
	st = waitIn(t, m, 6)
	require.Equal(t, uint64(2), st.DroppedUnknownTx)
}

func TestPendingTransactionsAreBoundedAndIDsDistinct(t *testing.T) {
	m := listen(t, udpmux.Config{MaxPendingTx: 500})
	remote := netip.MustParseAddrPort("127.0.0.1:9")
	seen := map[uint32]bool{}
	var txs []*udpmux.Tx
	for range 500 {
		tx, err := m.NewTx(remote)
		require.NoError(t, err)
		require.NotZero(t, tx.ID())
		require.False(t, seen[tx.ID()], "transaction id %x given twice", tx.ID())
		seen[tx.ID()] = true
		txs = append(txs, tx)
	}
	_, err := m.NewTx(remote)
	require.ErrorIs(t, err, udpmux.ErrTooManyPending)
	require.Equal(t, uint64(1), m.Stats().TxRefused)
	txs[0].Close()
	tx, err := m.NewTx(remote)
	require.NoError(t, err)
	tx.Close()
}

func TestKRPCViewIsASocketForTheDHT(t *testing.T) {
	m := listen(t, udpmux.Config{})
	node := peer(t)
	v, err := m.KRPC()
	require.NoError(t, err)
	_, err = m.KRPC()
	require.ErrorIs(t, err, udpmux.ErrKRPCTaken)
	require.Equal(t, m.LocalAddr(), v.LocalAddr().(*net.UDPAddr).AddrPort())

	q := []byte("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe")
	send(t, node, m, q)
	buf := make([]byte, 2048)
	n, from, err := v.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, q, buf[:n])
	require.Equal(t, addrOf(node), from)

	_, err = v.WriteToUDPAddrPort([]byte("d1:y1:re"), addrOf(node))
	require.NoError(t, err)
	n, from, err = node.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, "d1:y1:re", string(buf[:n]))
	require.Equal(t, m.LocalAddr(), from)

	// Closing the view detaches it: KRPC is dropped, the socket lives on, a new view opens.
	require.NoError(t, v.Close())
	_, _, err = v.ReadFromUDPAddrPort(buf)
	require.ErrorIs(t, err, net.ErrClosed)
	_, err = v.WriteToUDPAddrPort(q, addrOf(node))
	require.ErrorIs(t, err, net.ErrClosed)
	send(t, node, m, q)
	st := waitIn(t, m, 2)
	require.Equal(t, uint64(1), st.DroppedNoDHT)
	v2, err := m.KRPC()
	require.NoError(t, err)
	send(t, node, m, q)
	n, _, err = v2.ReadFromUDPAddrPort(buf)
	require.NoError(t, err)
	require.Equal(t, q, buf[:n])
}

func TestKRPCQueueIsBoundedAndDropsWhenFull(t *testing.T) {
	m := listen(t, udpmux.Config{KRPCQueue: 2})
	node := peer(t)
	v, err := m.KRPC()
	require.NoError(t, err)
	for i := range 5 {
		send(t, node, m, []byte{'d', 'e', byte('0' + i)})
	}
	st := waitIn(t, m, 5)
	require.Equal(t, uint64(2), st.KRPCIn)
	require.Equal(t, uint64(3), st.DroppedQueueFull)
	buf := make([]byte, 16)
	for i := range 2 {
		n, _, err := v.ReadFromUDPAddrPort(buf)
		require.NoError(t, err)
		require.Equal(t, []byte{'d', 'e', byte('0' + i)}, buf[:n], "queue keeps order")
	}
	junk := make([]byte, udpmux.MaxKRPCSize+1)
	junk[0] = 0xff
	send(t, node, m, junk)
	big := make([]byte, udpmux.MaxKRPCSize+1)
	big[0] = 'd'
	send(t, node, m, big)
	st = waitIn(t, m, 7)
	require.Equal(t, uint64(1), st.DroppedOversized, "%+v", st)
	require.Equal(t, uint64(1), st.DroppedUnknown)
}

func TestUTPGoesToItsHandlerOrIsDroppedAndCounted(t *testing.T) {
	m := listen(t, udpmux.Config{})
	p := peer(t)
	syn := make([]byte, 20)
	syn[0] = 4<<4 | 1 // ST_SYN, version 1
	send(t, p, m, syn)
	st := waitIn(t, m, 1)
	require.Equal(t, uint64(1), st.DroppedNoUTP)

	got := make(chan []byte, 2)
	m.SetUTPHandler(func(b []byte, from netip.AddrPort) bool {
		require.Equal(t, addrOf(p), from)
		got <- append([]byte(nil), b...)
		return b[0] == syn[0] // takes SYNs only
	})
	send(t, p, m, syn)
	require.Equal(t, syn, recv(t, got))
	require.Equal(t, uint64(1), m.Stats().UTPIn)
	data := append([]byte{0x01}, syn[1:]...) // ST_DATA for a connection the handler does not know
	send(t, p, m, data)
	require.Equal(t, data, recv(t, got))
	st = waitIn(t, m, 3)
	require.Equal(t, uint64(1), st.DroppedUTPNoConn)
	require.Equal(t, uint64(1), st.UTPIn)
}

func TestReaderSurvivesAPanickingHandler(t *testing.T) {
	var panics atomic.Int32
	m := listen(t, udpmux.Config{OnPanic: func(*guard.Panic) { panics.Add(1) }})
	p := peer(t)
	m.SetUTPHandler(func([]byte, netip.AddrPort) bool { panic("uTP bug") })
	syn := make([]byte, 20)
	syn[0] = 0x41
	send(t, p, m, syn)
	require.Eventually(t, func() bool { return panics.Load() == 1 }, 5*time.Second, time.Millisecond)
	m.SetUTPHandler(nil)
	tx, err := m.NewTx(addrOf(p))
	require.NoError(t, err)
	defer tx.Close()
	reply := trackerReply(0, tx.ID(), 1, 2, 3, 4, 5, 6, 7, 8)
	send(t, p, m, reply)
	require.Equal(t, reply, recv(t, tx.Reply()), "the reader restarted after the panic")
}

func TestGarbageIsDroppedAndCountedNeverDelivered(t *testing.T) {
	m := listen(t, udpmux.Config{})
	p := peer(t)
	tx, err := m.NewTx(addrOf(p))
	require.NoError(t, err)
	defer tx.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 2000
	for range n {
		b := make([]byte, rng.IntN(100))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		if len(b) > 0 && b[0] == 'd' {
			b[0] = 'x' // no view is open: KRPC would be dropped anyway, but count it as garbage
		}
		send(t, p, m, b)
		if rng.IntN(50) == 0 {
			time.Sleep(time.Millisecond) // let the reader keep up with the socket buffer
		}
	}
	st := waitIn(t, m, n)
	require.Equal(t, st.PacketsIn, st.Dropped, "every datagram dropped: %+v", st)
	require.Equal(t, st.Dropped, st.DroppedUnknown+st.DroppedNoUTP+st.DroppedUTPNoConn+st.DroppedUnknownTx+st.DroppedWrongSource+st.DroppedOversized+st.DroppedNoDHT)
	require.Positive(t, st.DroppedUnknown)
	select {
	case <-tx.Reply():
		t.Fatal("garbage matched a random transaction id")
	default:
	}
}

func TestCloseEndsViewsAndTransactions(t *testing.T) {
	m, err := udpmux.Listen(loop4, udpmux.Config{})
	require.NoError(t, err)
	v, err := m.KRPC()
	require.NoError(t, err)
	tx, err := m.NewTx(netip.MustParseAddrPort("127.0.0.1:9"))
	require.NoError(t, err)
	read := make(chan error, 1)
	go func() {
		_, _, err := v.ReadFromUDPAddrPort(make([]byte, 10))
		read <- err
	}()
	require.NoError(t, m.Close())
	require.ErrorIs(t, <-read, net.ErrClosed)
	<-tx.Closed()
	_, err = m.NewTx(netip.MustParseAddrPort("127.0.0.1:9"))
	require.ErrorIs(t, err, udpmux.ErrClosed)
	_, err = m.WriteTo([]byte("x"), netip.MustParseAddrPort("127.0.0.1:9"))
	require.ErrorIs(t, err, udpmux.ErrClosed)
	require.NoError(t, m.Close(), "second Close is harmless")
}

func TestIPv6SocketCarriesTrackerReplies(t *testing.T) {
	m, err := udpmux.Listen(netip.MustParseAddrPort("[::1]:0"), udpmux.Config{})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer m.Close()
	require.True(t, m.Is6())
	tr, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	require.NoError(t, err)
	defer tr.Close()
	tx, err := m.NewTx(addrOf(tr))
	require.NoError(t, err)
	defer tx.Close()
	reply := trackerReply(1, tx.ID(), make([]byte, 12)...)
	send(t, tr, m, reply)
	require.Equal(t, reply, recv(t, tx.Reply()))
}
