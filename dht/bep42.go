package dht

import (
	"crypto/rand"
	"hash/crc32"
	"net/netip"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var (
	v4Mask = [4]byte{0x03, 0x0f, 0x3f, 0xff}
	v6Mask = [8]byte{0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff}
)

// bep42Prefix returns the CRC32C of ip masked and salted with r (0..7).
func bep42Prefix(ip netip.Addr, r byte) uint32 {
	ip = ip.Unmap()
	var buf []byte
	if ip.Is4() {
		a := ip.As4()
		for i := range a {
			a[i] &= v4Mask[i]
		}
		buf = a[:]
	} else {
		a16 := ip.As16()
		var a [8]byte
		copy(a[:], a16[:8])
		for i := range a {
			a[i] &= v6Mask[i]
		}
		buf = a[:]
	}
	buf[0] |= (r & 7) << 5
	return crc32.Checksum(buf, castagnoli)
}

// NodeIDForIP returns a BEP 42 node id for the external address ip:
// the first 21 bits come from CRC32C of the masked ip, the last byte is
// the random r that salted it, the rest is random.
func NodeIDForIP(ip netip.Addr) NodeID {
	id := RandomID()
	var rb [1]byte
	_, _ = rand.Read(rb[:])
	return nodeIDForIP(ip, rb[0], id)
}

func nodeIDForIP(ip netip.Addr, r byte, id NodeID) NodeID {
	crc := bep42Prefix(ip, r)
	id[0] = byte(crc >> 24)
	id[1] = byte(crc >> 16)
	id[2] = byte(crc>>8)&0xf8 | id[2]&7
	id[19] = r
	return id
}

// ValidNodeID reports whether id is a BEP 42 id for ip. Local, private and
// loopback addresses are exempt (always valid), as BEP 42 says.
func ValidNodeID(id NodeID, ip netip.Addr) bool {
	if exemptIP(ip) {
		return true
	}
	crc := bep42Prefix(ip, id[19])
	return id[0] == byte(crc>>24) && id[1] == byte(crc>>16) && id[2]&0xf8 == byte(crc>>8)&0xf8
}

func exemptIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()
}
