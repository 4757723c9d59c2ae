package udpmux

import "encoding/binary"

// Kind is what a datagram looks like by its first bytes.
type Kind uint8

const (
	// KindUnknown is anything the other kinds are not: dropped and counted.
	KindUnknown Kind = iota
	// KindKRPC is a bencoded dictionary (the DHT).
	KindKRPC
	// KindTracker is a BEP 15 reply header: action 0-3 and a transaction id.
	KindTracker
	// KindUTP is a BEP 29 header: version 1, type 0-4, 20 bytes.
	KindUTP
)

func (k Kind) String() string {
	switch k {
	case KindKRPC:
		return "krpc"
	case KindTracker:
		return "tracker"
	case KindUTP:
		return "utp"
	}
	return "unknown"
}

// Wire facts the classifier reads.
const (
	trackerHeaderLen = 8 // action + transaction id
	trackerMaxAction = 3 // connect, announce, scrape, error
	utpHeaderLen     = 20
	utpVersion       = 1
	utpMaxType       = 4 // ST_DATA, ST_FIN, ST_STATE, ST_RESET, ST_SYN
)

// Classify tells a datagram's kind from its first bytes alone; whether a tracker reply
// belongs to a transaction we sent is the Mux's question, not this one's.
func Classify(b []byte) Kind {
	if len(b) == 0 {
		return KindUnknown
	}
	switch c := b[0]; {
	case c == 'd':
		return KindKRPC
	case c&0x0f == utpVersion:
		if c>>4 <= utpMaxType && len(b) >= utpHeaderLen {
			return KindUTP
		}
	case c == 0:
		if len(b) >= trackerHeaderLen && binary.BigEndian.Uint32(b) <= trackerMaxAction {
			return KindTracker
		}
	}
	return KindUnknown
}

// TrackerTxID returns a tracker reply's transaction id; b must be KindTracker.
func TrackerTxID(b []byte) uint32 { return binary.BigEndian.Uint32(b[4:]) }
