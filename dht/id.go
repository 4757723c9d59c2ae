package dht

import (
	"crypto/rand"
	"math/bits"
	"net/netip"

	"github.com/libbt/libbt/dht/krpc"
)

// NodeID is a 160-bit DHT node id or lookup target.
type NodeID = krpc.ID

// NodeInfo is a node's id and UDP address.
type NodeInfo = krpc.NodeInfo

// RandomID returns a uniformly random id.
func RandomID() NodeID {
	var id NodeID
	_, _ = rand.Read(id[:])
	return id
}

// xorLess reports whether a is closer to target than b.
func xorLess(target, a, b NodeID) bool {
	for i := range target {
		da, db := a[i]^target[i], b[i]^target[i]
		if da != db {
			return da < db
		}
	}
	return false
}

// commonPrefixLen is the number of leading bits a and b share (160 if equal).
func commonPrefixLen(a, b NodeID) int {
	for i := range a {
		if x := a[i] ^ b[i]; x != 0 {
			return i*8 + bits.LeadingZeros8(x)
		}
	}
	return 160
}

// randomIDWithPrefix returns a random id sharing exactly n leading bits
// with base (n < 160): bit n is flipped, the rest is random.
func randomIDWithPrefix(base NodeID, n int) NodeID {
	id := RandomID()
	for i := 0; i < n/8; i++ {
		id[i] = base[i]
	}
	byteIdx, bit := n/8, uint(n%8)
	if byteIdx < len(id) {
		keep := byte(0xff) << (8 - bit) // the first `bit` bits come from base
		flip := byte(0x80) >> bit
		id[byteIdx] = base[byteIdx]&keep | (^base[byteIdx])&flip | id[byteIdx]&^(keep|flip)
	}
	return id
}

func is6(a netip.AddrPort) bool { return !a.Addr().Unmap().Is4() }

func unmapAP(a netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(a.Addr().Unmap(), a.Port())
}
