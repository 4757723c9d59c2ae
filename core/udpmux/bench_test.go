package udpmux

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

func benchMux() *Mux {
	return &Mux{cfg: Config{}.withDefaults(), txs: map[uint32]*Tx{}, closed: make(chan struct{})}
}

// BenchmarkDispatchKRPC: one KRPC datagram classified, copied into a pooled buffer, queued
// and read back by the view.
func BenchmarkDispatchKRPC(b *testing.B) {
	m := benchMux()
	v, _ := m.KRPC()
	from := netip.MustParseAddrPort("127.0.0.1:6881")
	pkt := []byte("d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe")
	buf := make([]byte, 2048)
	b.ReportAllocs()
	for b.Loop() {
		m.dispatch(pkt, from)
		v.ReadFromUDPAddrPort(buf)
	}
}

// BenchmarkDispatchTrackerReply: an announce reply with 50 peers matched to its transaction
// among 1,000 pending, and taken by the waiter.
func BenchmarkDispatchTrackerReply(b *testing.B) {
	m := benchMux()
	from := netip.MustParseAddrPort("127.0.0.1:6969")
	for range 999 {
		m.NewTx(from)
	}
	pkt := make([]byte, 20+50*6)
	binary.BigEndian.PutUint32(pkt, 1)
	b.ReportAllocs()
	for b.Loop() {
		tx, _ := m.NewTx(from)
		binary.BigEndian.PutUint32(pkt[4:], tx.ID())
		m.dispatch(pkt, from)
		<-tx.Reply()
		tx.Close()
	}
}

// BenchmarkDispatchGarbage: a datagram nobody takes, dropped and counted.
func BenchmarkDispatchGarbage(b *testing.B) {
	m := benchMux()
	from := netip.MustParseAddrPort("127.0.0.1:1")
	pkt := []byte("\xffjunk that is nothing we know")
	for b.Loop() {
		m.dispatch(pkt, from)
	}
}
