package peerwire

import (
	"crypto/sha1"
	"encoding/binary"
	"math"
	"net/netip"
)

// AllowedFastSet returns the BEP 6 allowed-fast set of k piece indexes for a
// peer at ip, in generation order, using the BEP's algorithm: hash the peer's
// IPv4 address masked to /24 followed by the info hash, then repeatedly
// re-hash, taking each 4-byte big-endian word modulo numPieces.
//
// IPv4-mapped IPv6 addresses are treated as IPv4. BEP 6 does not define the
// set for IPv6; here the address masked to /48 (the usual size of one site)
// plays the role of the /24, which is a local choice since the receiver never
// recomputes our set.
//
// If k >= numPieces the result is every piece. k is meant to be small
// (clients typically use about 10); generation time grows sharply as k nears
// numPieces. It returns nil if k <= 0, numPieces <= 0 or ip is invalid.
func AllowedFastSet(infoHash [20]byte, ip netip.Addr, numPieces int, k int) []uint32 {
	if k <= 0 || numPieces <= 0 || !ip.IsValid() {
		return nil
	}
	if uint64(numPieces) > math.MaxUint32 {
		numPieces = math.MaxUint32 // piece indexes are uint32 on the wire
	}
	if k >= numPieces {
		all := make([]uint32, numPieces)
		for i := range all {
			all[i] = uint32(i)
		}
		return all
	}

	var x []byte
	ip = ip.Unmap()
	if ip.Is4() {
		a := ip.As4()
		x = append(x, a[0], a[1], a[2], 0)
	} else {
		a := ip.As16()
		x = append(x, a[:6]...)
		x = append(x, make([]byte, 10)...)
	}
	x = append(x, infoHash[:]...)

	sz := uint32(numPieces)
	set := make([]uint32, 0, k)
	seen := make(map[uint32]struct{}, k)
	for len(set) < k {
		h := sha1.Sum(x)
		x = h[:]
		for i := 0; i < 5 && len(set) < k; i++ {
			idx := binary.BigEndian.Uint32(x[i*4:]) % sz
			if _, dup := seen[idx]; !dup {
				seen[idx] = struct{}{}
				set = append(set, idx)
			}
		}
	}
	return set
}
