package dht

import (
	"net/netip"
	"testing"
)

// FuzzHandlePacket feeds arbitrary datagrams to a live server's handler
// (as queries from one address and as responses): it must never panic,
// and nothing it receives may put a node with our id or port 0 in a table.
func FuzzHandlePacket(f *testing.F) {
	for _, s := range []string{
		"d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz1234564:wantl2:n42:n6ee1:q9:find_node1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij01234567899:info_hash20:mnopqrstuvwxyz123456e1:q9:get_peers1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij012345678912:implied_porti1e9:info_hash20:mnopqrstuvwxyz1234564:porti6881e5:token8:aoeusnthe1:q13:announce_peer1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q3:get1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij01234567895:token2:tk1:vi1ee1:q3:put1:t2:aa1:y1:qe",
		"d1:ad2:id20:abcdefghij01234567896:target20:mnopqrstuvwxyz123456e1:q17:sample_infohashes1:t2:aa1:y1:qe",
		"d1:rd2:id20:mnopqrstuvwxyz123456e1:t2:aa1:y1:re",
		"d1:eli201e23:A Generic Error Ocurrede1:t2:aa1:y1:ee",
	} {
		f.Add([]byte(s))
	}
	cfg := testConfig()
	srv, err := New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	defer srv.Close()
	from := netip.MustParseAddrPort("127.0.0.1:9") // discard
	f.Fuzz(func(t *testing.T, data []byte) {
		srv.handlePacket(data, from, famV4)
		for _, n := range srv.Nodes(false) {
			if n.ID == srv.ID() || n.Addr.Port() == 0 {
				t.Fatalf("table poisoned by %q: %v", data, n)
			}
		}
	})
}

// FuzzState checks that restoring arbitrary saved state never panics and
// that accepted state round-trips through a server.
func FuzzState(f *testing.F) {
	f.Add([]byte("d2:id20:abcdefghij0123456789e"))
	f.Add([]byte("d2:id20:abcdefghij01234567895:nodes26:abcdefghij0123456789\x7f\x00\x00\x01\x1a\xe1e"))
	f.Add([]byte("d2:id20:abcdefghij01234567895:nodes5:abcdee"))
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := parseState(data)
		if err != nil {
			return
		}
		_ = st.nodes()
	})
}
