package tracker

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"time"
)

// BEP 15 wire constants.
const (
	udpProtocolID    = 0x41727101980
	udpActionConn    = 0
	udpActionAnnc    = 1
	udpActionError   = 3
	udpAnnounceLen   = 98
	udpConnectLen    = 16
	udpRespHeader    = 20 // action, transaction id, interval, leechers, seeders
	udpMaxDatagram   = 64 << 10
	udpPeerLenV4     = 6
	udpPeerLenV6     = 18
	udpMinReplySize  = 8 // action + transaction id
	udpOptionURLData = 2 // BEP 41
	// udpMaxURLData bounds the BEP 41 data sent, keeping the datagram small.
	udpMaxURLData = 1024
)

func udpConnectPacket(tid uint32) []byte {
	b := make([]byte, udpConnectLen)
	binary.BigEndian.PutUint64(b[0:], udpProtocolID)
	binary.BigEndian.PutUint32(b[8:], udpActionConn)
	binary.BigEndian.PutUint32(b[12:], tid)
	return b
}

// udpAnnouncePacket builds an announce; urlData (the announce URL's path and
// query) is appended as BEP 41 URLData options when not empty.
func udpAnnouncePacket(connID uint64, tid uint32, r *AnnounceRequest, urlData string) []byte {
	b := make([]byte, udpAnnounceLen, udpAnnounceLen+len(urlData)+2*(len(urlData)/255+1))
	binary.BigEndian.PutUint64(b[0:], connID)
	binary.BigEndian.PutUint32(b[8:], udpActionAnnc)
	binary.BigEndian.PutUint32(b[12:], tid)
	copy(b[16:36], r.InfoHash[:])
	copy(b[36:56], r.PeerID[:])
	binary.BigEndian.PutUint64(b[56:], uint64(max(r.Downloaded, 0)))
	binary.BigEndian.PutUint64(b[64:], uint64(max(r.Left, 0)))
	binary.BigEndian.PutUint64(b[72:], uint64(max(r.Uploaded, 0)))
	binary.BigEndian.PutUint32(b[80:], r.Event.udpEvent())
	// b[84:88]: IP address, 0 = use the packet's source.
	binary.BigEndian.PutUint32(b[88:], r.Key)
	numWant := int32(-1)
	if r.NumWant >= 0 {
		numWant = int32(min(r.NumWant, 1<<30))
	}
	binary.BigEndian.PutUint32(b[92:], uint32(numWant))
	binary.BigEndian.PutUint16(b[96:], r.Port)
	for len(urlData) > 0 {
		chunk := urlData[:min(len(urlData), 255)]
		urlData = urlData[len(chunk):]
		b = append(b, udpOptionURLData, byte(len(chunk)))
		b = append(b, chunk...)
	}
	return b
}

// ParseUDPAnnounceResponse parses a BEP 15 announce reply datagram (starting
// at the action field). v6 selects 18-byte peers, used when the tracker was
// reached over IPv6. An error action (3) yields a *FailureError. The
// transaction id is not checked here.
func ParseUDPAnnounceResponse(b []byte, v6 bool) (*AnnounceResponse, error) {
	if len(b) < udpMinReplySize {
		return nil, malformed("udp reply of %d bytes", len(b))
	}
	switch action := binary.BigEndian.Uint32(b); action {
	case udpActionError:
		return nil, parseUDPError(b)
	case udpActionAnnc:
	default:
		return nil, malformed("udp announce reply has action %d", action)
	}
	if len(b) < udpRespHeader {
		return nil, malformed("udp announce reply of %d bytes", len(b))
	}
	resp := &AnnounceResponse{
		Interval: time.Duration(binary.BigEndian.Uint32(b[8:])) * time.Second,
		Leechers: int(binary.BigEndian.Uint32(b[12:])),
		Seeders:  int(binary.BigEndian.Uint32(b[16:])),
	}
	peers, err := parseCompactPeers(b[udpRespHeader:], v6)
	if err != nil {
		return nil, err
	}
	resp.Peers = peers
	return resp, nil
}

// ParseUDPConnectResponse parses a BEP 15 connect reply datagram (starting at the action
// field) and returns the connection id. An error action (3) yields a *FailureError, any other
// shape an error wrapping ErrMalformedResponse. The transaction id is not checked here.
func ParseUDPConnectResponse(b []byte) (connID uint64, err error) {
	if len(b) < udpMinReplySize {
		return 0, malformed("udp reply of %d bytes", len(b))
	}
	switch action := binary.BigEndian.Uint32(b); action {
	case udpActionError:
		return 0, parseUDPError(b)
	case udpActionConn:
	default:
		return 0, malformed("udp connect reply has action %d", action)
	}
	if len(b) < udpConnectLen {
		return 0, malformed("udp connect reply of %d bytes", len(b))
	}
	return binary.BigEndian.Uint64(b[8:]), nil
}

// parseUDPError reads a BEP 15 error reply (at least action and transaction id): the message
// is the rest of the datagram, which udpMaxDatagram bounds.
func parseUDPError(b []byte) *FailureError {
	return &FailureError{Reason: strings.ToValidUTF8(string(b[udpMinReplySize:]), "\uFFFD")}
}

// parseCompactPeers decodes 6-byte (IPv4) or 18-byte (IPv6) peer entries,
// dropping port-0 entries and unmapping v4-in-v6 addresses.
func parseCompactPeers(b []byte, v6 bool) ([]netip.AddrPort, error) {
	size := udpPeerLenV4
	if v6 {
		size = udpPeerLenV6
	}
	if len(b)%size != 0 {
		return nil, malformed("compact peers of %d bytes is not a multiple of %d", len(b), size)
	}
	peers := make([]netip.AddrPort, 0, len(b)/size)
	for ; len(b) > 0; b = b[size:] {
		var addr netip.Addr
		if v6 {
			addr = netip.AddrFrom16([16]byte(b[:16])).Unmap()
		} else {
			addr = netip.AddrFrom4([4]byte(b[:4]))
		}
		port := binary.BigEndian.Uint16(b[size-2:])
		if port == 0 {
			continue
		}
		peers = append(peers, netip.AddrPortFrom(addr, port))
	}
	return peers, nil
}
