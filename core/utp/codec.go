package utp

import (
	"encoding/binary"
	"errors"
)

// Type is a packet's type, the high nibble of its first byte (BEP 29).
type Type uint8

// The packet types of BEP 29.
const (
	TypeData  Type = 0 // ST_DATA: payload, consumes a sequence number
	TypeFin   Type = 1 // ST_FIN: the sender's last sequence number, consumes one
	TypeState Type = 2 // ST_STATE: an ack (and window update), consumes none
	TypeReset Type = 3 // ST_RESET: the connection is gone
	TypeSyn   Type = 4 // ST_SYN: opens a connection, consumes a sequence number
)

func (t Type) String() string {
	switch t {
	case TypeData:
		return "DATA"
	case TypeFin:
		return "FIN"
	case TypeState:
		return "STATE"
	case TypeReset:
		return "RESET"
	case TypeSyn:
		return "SYN"
	}
	return "type?"
}

// Wire facts.
const (
	// Version is the protocol version in the low nibble of the first byte.
	Version = 1
	// HeaderLen is the fixed header's length.
	HeaderLen = 20
	// extNone ends the extension chain; extSACK is the selective ack bitmask (BEP 29);
	// extCloseReason is libtorrent's close reason (2 bytes reserved, 2 bytes reason).
	extNone        = 0
	extSACK        = 1
	extCloseReason = 3
	// MaxSACK is the longest selective ack bitmask we send (libtorrent's limit too): 256
	// packets past ack_nr+1. Longer ones are read up to this length.
	MaxSACK = 32
)

// Decoding errors.
var (
	ErrShort     = errors.New("utp: packet shorter than its header")
	ErrVersion   = errors.New("utp: not version 1")
	ErrType      = errors.New("utp: unknown packet type")
	ErrExtension = errors.New("utp: truncated extension")
)

// Header is a packet's header and the extensions libbt reads. On Decode, SACK aliases the
// packet's bytes.
type Header struct {
	Type Type
	// ConnID is the connection id: the receiver's recv id.
	ConnID uint16
	// Timestamp is the sender's clock in microseconds at sending (wrapping).
	Timestamp uint32
	// TimestampDiff is the sender's last one-way delay sample of our packets: its clock at
	// receipt minus our timestamp, in microseconds (wrapping); 0 when it has none.
	TimestampDiff uint32
	// Window is the sender's free receive buffer in bytes.
	Window uint32
	// Seq is this packet's sequence number (for STATE, the next one the sender will use).
	Seq uint16
	// Ack is the last sequence number the sender received in order.
	Ack uint16
	// SACK is the selective ack bitmask: bit i (byte i/8, bit i%8 from the least
	// significant) acknowledges Ack+2+i. Empty when absent. Encoded lengths are rounded up to
	// a multiple of 4 and cut at MaxSACK.
	SACK []byte
	// CloseReason is libtorrent's close reason extension; HasCloseReason tells it was
	// present.
	CloseReason    uint16
	HasCloseReason bool
}

// Decode parses b into h and returns the payload, which aliases b. Unknown extensions are
// skipped, as libtorrent does; a truncated chain is an error.
func (h *Header) Decode(b []byte) (payload []byte, err error) {
	if len(b) < HeaderLen {
		return nil, ErrShort
	}
	if b[0]&0x0f != Version {
		return nil, ErrVersion
	}
	t := Type(b[0] >> 4)
	if t > TypeSyn {
		return nil, ErrType
	}
	*h = Header{
		Type:          t,
		ConnID:        binary.BigEndian.Uint16(b[2:]),
		Timestamp:     binary.BigEndian.Uint32(b[4:]),
		TimestampDiff: binary.BigEndian.Uint32(b[8:]),
		Window:        binary.BigEndian.Uint32(b[12:]),
		Seq:           binary.BigEndian.Uint16(b[16:]),
		Ack:           binary.BigEndian.Uint16(b[18:]),
	}
	ext := b[1]
	p := b[HeaderLen:]
	for ext != extNone {
		if len(p) < 2 || len(p)-2 < int(p[1]) {
			return nil, ErrExtension
		}
		next, n := p[0], int(p[1])
		data := p[2 : 2+n]
		switch ext {
		case extSACK:
			if len(data) > MaxSACK {
				data = data[:MaxSACK]
			}
			h.SACK = data
		case extCloseReason:
			if n == 4 {
				h.CloseReason = binary.BigEndian.Uint16(data[2:])
				h.HasCloseReason = true
			}
		}
		ext = next
		p = p[2+n:]
	}
	return p, nil
}

// sackLen is the encoded length of a selective ack bitmask of n bytes: a multiple of 4,
// at most MaxSACK, 0 for none.
func sackLen(n int) int {
	if n <= 0 {
		return 0
	}
	n = (n + 3) &^ 3
	return min(n, MaxSACK)
}

// Len is the encoded header's length with its extensions.
func (h *Header) Len() int {
	n := HeaderLen
	if s := sackLen(len(h.SACK)); s > 0 {
		n += 2 + s
	}
	if h.HasCloseReason {
		n += 2 + 4
	}
	return n
}

// AppendTo appends the encoded header and extensions to b.
func (h *Header) AppendTo(b []byte) []byte {
	sack := sackLen(len(h.SACK))
	first := byte(extNone)
	switch {
	case sack > 0:
		first = extSACK
	case h.HasCloseReason:
		first = extCloseReason
	}
	b = append(b, byte(h.Type)<<4|Version, first)
	b = binary.BigEndian.AppendUint16(b, h.ConnID)
	b = binary.BigEndian.AppendUint32(b, h.Timestamp)
	b = binary.BigEndian.AppendUint32(b, h.TimestampDiff)
	b = binary.BigEndian.AppendUint32(b, h.Window)
	b = binary.BigEndian.AppendUint16(b, h.Seq)
	b = binary.BigEndian.AppendUint16(b, h.Ack)
	if sack > 0 {
		next := byte(extNone)
		if h.HasCloseReason {
			next = extCloseReason
		}
		b = append(b, next, byte(sack))
		have := min(len(h.SACK), sack)
		b = append(b, h.SACK[:have]...)
		for i := have; i < sack; i++ {
			b = append(b, 0)
		}
	}
	if h.HasCloseReason {
		b = append(b, extNone, 4, 0, 0)
		b = binary.BigEndian.AppendUint16(b, h.CloseReason)
	}
	return b
}

// sacked reports whether a selective ack bitmask for ack acknowledges seq.
func sacked(mask []byte, ack, seq uint16) bool {
	i := int(seq - ack - 2)
	return i >= 0 && i < 8*len(mask) && mask[i/8]&(1<<(i%8)) != 0
}

// seqLess reports whether a comes before b in uint16 sequence space (wrapping).
func seqLess(a, b uint16) bool { return int16(a-b) < 0 }
