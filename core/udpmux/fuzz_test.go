package udpmux

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// FuzzClassify checks the classifier against the wire rules written out independently, and
// dispatch against it: every datagram lands in exactly one counter, and only a tracker reply
// with a pending id from that transaction's address is delivered to it.
func FuzzClassify(f *testing.F) {
	for _, s := range []string{
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
		"\x00\x00\x00\x00\x12\x34\x56\x78\x01\x02\x03\x04\x05\x06\x07\x08", // connect reply, our id
		"\x00\x00\x00\x01\x12\x34\x56\x78\x00\x00\x07\x08\x00\x00\x00\x01\x00\x00\x00\x02",
		"\x00\x00\x00\x03\x12\x34\x56\x78not registered",
		"\x00\x00\x00\x04\x12\x34\x56\x78",                                                 // action 4: no such action
		"\x00\x00\x00\x01\x12\x34",                                                         // runt
		"\x41\x00\x12\x34\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00", // uTP SYN
		"\x21\x00\x12\x34\x00\x00\x00\x00",                                                 // short uTP
		"\x51\x00\x12\x34\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x01\x00\x00", // type 5
		"\x02\x00",
		"",
	} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, b []byte, who uint8) {
		if len(b) > maxDatagram {
			return // the reader never reads more
		}
		krpc := len(b) > 0 && b[0] == 'd'
		tracker := len(b) >= 8 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] <= 3
		utp := len(b) >= 20 && b[0]&0x0f == 1 && b[0]>>4 <= 4
		want := KindUnknown
		switch {
		case krpc:
			want = KindKRPC
		case tracker:
			want = KindTracker
		case utp:
			want = KindUTP
		}
		if n := btoi(krpc) + btoi(tracker) + btoi(utp); n > 1 {
			t.Fatalf("%x fits %d kinds", b, n)
		}
		if got := Classify(b); got != want {
			t.Fatalf("Classify(%x) = %v, want %v", b, got, want)
		}

		m := &Mux{cfg: Config{KRPCQueue: 1}.withDefaults(), txs: map[uint32]*Tx{}, closed: make(chan struct{})}
		tr := netip.MustParseAddrPort("127.0.0.1:6969")
		tx, err := m.NewTx(tr)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) >= 8 {
			// Half the inputs carry the pending id, as a spoofer that guessed it would.
			if who&2 != 0 {
				binary.BigEndian.PutUint32(b[4:], tx.ID())
			}
		}
		from := tr
		if who&1 != 0 {
			from = netip.MustParseAddrPort("127.0.0.1:6970")
		}
		if who&4 != 0 {
			if _, err := m.KRPC(); err != nil {
				t.Fatal(err)
			}
		}
		m.dispatch(b, from)
		st := m.Stats()
		delivered := st.KRPCIn + st.TrackerIn + st.UTPIn
		if st.PacketsIn != 1 || delivered+st.Dropped != 1 {
			t.Fatalf("datagram counted %d times in %+v", delivered+st.Dropped, st)
		}
		select {
		case r := <-tx.Reply():
			if Classify(r) != KindTracker || from != tr || TrackerTxID(r) != tx.ID() || string(r) != string(b) {
				t.Fatalf("delivered %x from %v to transaction %x", r, from, tx.ID())
			}
		default:
			if want == KindTracker && from == tr && TrackerTxID(b) == tx.ID() && len(b) <= MaxTrackerReply {
				t.Fatalf("reply %x not delivered", b)
			}
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
