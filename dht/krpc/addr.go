package krpc

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Compact sizes (BEP 5, BEP 32).
const (
	IDLen          = 20
	CompactPeer4   = 6
	CompactPeer6   = 18
	CompactNode4   = IDLen + CompactPeer4 // 26
	CompactNode6   = IDLen + CompactPeer6 // 38
	MaxMessageSize = 1500                 // larger UDP payloads are not KRPC
)

// ID is a 160-bit node id or lookup target.
type ID [IDLen]byte

// NodeInfo is one entry of a compact node list: an id and its UDP address.
type NodeInfo struct {
	ID   ID
	Addr netip.AddrPort
}

// AppendCompactAddr appends the compact form of a (4+2 or 16+2 bytes).
func AppendCompactAddr(b []byte, a netip.AddrPort) []byte {
	ip := a.Addr().Unmap()
	b = append(b, ip.AsSlice()...)
	return binary.BigEndian.AppendUint16(b, a.Port())
}

// ParseCompactAddr parses a 6- or 18-byte compact address.
func ParseCompactAddr(b []byte) (netip.AddrPort, error) {
	switch len(b) {
	case CompactPeer4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[:4])), binary.BigEndian.Uint16(b[4:])), nil
	case CompactPeer6:
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[:16])), binary.BigEndian.Uint16(b[16:])), nil
	}
	return netip.AddrPort{}, fmt.Errorf("krpc: compact address of %d bytes, want 6 or 18", len(b))
}

// ParseNodes parses a compact node list: v6 selects 38-byte entries
// (nodes6), otherwise 26-byte entries (nodes). A length that is not a
// multiple of the entry size is an error; entries with port 0 are an error
// too (a lying or broken sender).
func ParseNodes(b []byte, v6 bool) ([]NodeInfo, error) {
	size := CompactNode4
	if v6 {
		size = CompactNode6
	}
	if len(b)%size != 0 {
		return nil, fmt.Errorf("krpc: node list of %d bytes is not a multiple of %d", len(b), size)
	}
	out := make([]NodeInfo, 0, len(b)/size)
	for off := 0; off < len(b); off += size {
		var n NodeInfo
		copy(n.ID[:], b[off:off+IDLen])
		a, _ := ParseCompactAddr(b[off+IDLen : off+size])
		if a.Port() == 0 {
			return nil, fmt.Errorf("krpc: node %d has port 0", off/size)
		}
		n.Addr = a
		out = append(out, n)
	}
	return out, nil
}

// AppendNodes appends compact node entries. Nodes whose address family does
// not match v6 are skipped.
func AppendNodes(b []byte, nodes []NodeInfo, v6 bool) []byte {
	for _, n := range nodes {
		if n.Addr.Addr().Unmap().Is4() == v6 {
			continue
		}
		b = append(b, n.ID[:]...)
		b = AppendCompactAddr(b, n.Addr)
	}
	return b
}

// ParseValues parses a get_peers "values" list: each entry must be a
// 6- or 18-byte compact peer with a non-zero port.
func ParseValues(vs [][]byte) ([]netip.AddrPort, error) {
	out := make([]netip.AddrPort, 0, len(vs))
	for i, v := range vs {
		a, err := ParseCompactAddr(v)
		if err != nil {
			return nil, fmt.Errorf("krpc: value %d: %w", i, err)
		}
		if a.Port() == 0 {
			return nil, fmt.Errorf("krpc: value %d has port 0", i)
		}
		out = append(out, a)
	}
	return out, nil
}
