package dht

import (
	"encoding/hex"
	"net/netip"
	"testing"

	"github.com/libbt/libbt/dht/krpc"
	"github.com/stretchr/testify/require"
)

// The test vectors of BEP 42.
var bep42Vectors = []struct {
	ip string
	r  byte
	id string
}{
	{"124.31.75.21", 1, "5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"},
	{"21.75.31.124", 86, "5a3ce9c14e7a08645677bbd1cfe7d8f956d53256"},
	{"65.23.51.170", 22, "a5d43220bc8f112a3d426c84764f8c2a1150e616"},
	{"84.124.73.14", 65, "1b0321dd1bb1fe518101ceef99462b947a01ff41"},
	{"43.213.53.83", 90, "e56f6cbf5b7c4be0237986d5243b87aa6d51305a"},
}

func TestBEP42VectorsValidateAndRegenerate(t *testing.T) {
	for _, v := range bep42Vectors {
		var id NodeID
		b, _ := hex.DecodeString(v.id)
		copy(id[:], b)
		ip := netip.MustParseAddr(v.ip)
		require.True(t, ValidNodeID(id, ip), v.ip)
		gen := nodeIDForIP(ip, v.r, id)
		require.Equal(t, id[:2], gen[:2], v.ip)
		require.Equal(t, id[2]&0xf8, gen[2]&0xf8, v.ip)
		require.Equal(t, v.r, gen[19])
		bad := id
		bad[0] ^= 0x40
		require.False(t, ValidNodeID(bad, ip), "flipped prefix bit for %s", v.ip)
		require.False(t, ValidNodeID(id, netip.MustParseAddr("8.8.8.8")), "other IP")
	}
}

func TestBEP42GeneratedIDsValidateForV4AndV6AndLocalIsExempt(t *testing.T) {
	for _, s := range []string{"1.2.3.4", "203.0.113.9", "2001:db8::1", "2a00:1450:4001::1"} {
		ip := netip.MustParseAddr(s)
		for range 20 {
			require.True(t, ValidNodeID(NodeIDForIP(ip), ip), s)
		}
	}
	require.True(t, ValidNodeID(RandomID(), netip.MustParseAddr("127.0.0.1")))
	require.True(t, ValidNodeID(RandomID(), netip.MustParseAddr("192.168.1.1")))
	require.True(t, ValidNodeID(RandomID(), netip.MustParseAddr("::1")))
}

func TestEnforceNodeIDKeepsMismatchedIDsOutOfTheTable(t *testing.T) {
	for _, enforce := range []bool{true, false} {
		cfg := testConfig()
		cfg.EnforceNodeID = enforce
		s := newNode(t, cfg)
		// Responses from a public address, fed straight to the handler
		// (nothing is sent off the loopback).
		public := netip.MustParseAddrPort("203.0.113.5:6881")
		respond := func(tid string, id NodeID) {
			s.mu.Lock()
			s.pending[txKey{tid, public}] = &call{ch: make(chan *krpc.Msg, 1)}
			s.mu.Unlock()
			b, err := krpc.Encode(&krpc.Msg{T: tid, Y: krpc.KindResponse, R: &krpc.Return{ID: id}})
			require.NoError(t, err)
			s.handlePacket(b, public, famV4)
		}
		respond("a1", RandomID()) // almost surely not a BEP 42 id for that IP
		if enforce {
			require.Empty(t, s.Nodes(false), "a mismatched id stays out")
			require.Equal(t, uint64(1), s.Stats().DroppedBadNodeID)
		} else {
			require.Len(t, s.Nodes(false), 1, "not enforced: accepted")
		}
		good := NodeIDForIP(public.Addr())
		respond("a2", good)
		require.Contains(t, s.Nodes(false), NodeInfo{ID: good, Addr: public})
	}
}
