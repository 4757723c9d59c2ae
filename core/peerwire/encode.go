package peerwire

import "encoding/binary"

// The Append functions encode one framed message (4-byte big-endian length
// prefix, ID, body) onto buf and return the extended slice. They do not
// allocate when buf has enough spare capacity.

// AppendMessage appends the encoding of m. Only the fields meaningful for
// m.ID are used (see Message); an unknown ID is encoded with m.Payload as its
// body.
func AppendMessage(buf []byte, m *Message) []byte {
	if m.KeepAlive {
		return AppendKeepAlive(buf)
	}
	switch m.ID {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return appendHeader(buf, m.ID, 0)
	case Have, Suggest, AllowedFast:
		return appendIndex(buf, m.ID, m.Index)
	case Request, Cancel, RejectRequest:
		return appendTriple(buf, m.ID, m.Index, m.Begin, m.Length)
	case Piece:
		buf = AppendPieceHeader(buf, m.Index, m.Begin, len(m.Block))
		return append(buf, m.Block...)
	case Bitfield:
		return AppendBitfield(buf, m.Bitfield)
	case Port:
		return AppendPort(buf, m.Port)
	case Extended:
		return AppendExtended(buf, m.ExtendedID, m.Payload)
	}
	buf = appendHeader(buf, m.ID, len(m.Payload))
	return append(buf, m.Payload...)
}

// appendHeader appends the length prefix and ID for a body of bodyLen bytes.
func appendHeader(buf []byte, id MessageID, bodyLen int) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(1+bodyLen))
	return append(buf, byte(id))
}

func appendIndex(buf []byte, id MessageID, index uint32) []byte {
	buf = appendHeader(buf, id, 4)
	return binary.BigEndian.AppendUint32(buf, index)
}

func appendTriple(buf []byte, id MessageID, index, begin, length uint32) []byte {
	buf = appendHeader(buf, id, 12)
	buf = binary.BigEndian.AppendUint32(buf, index)
	buf = binary.BigEndian.AppendUint32(buf, begin)
	return binary.BigEndian.AppendUint32(buf, length)
}

// AppendKeepAlive appends a keep-alive (a zero length prefix).
func AppendKeepAlive(buf []byte) []byte { return append(buf, 0, 0, 0, 0) }

// AppendSimple appends a message with no body (Choke, Unchoke, Interested,
// NotInterested, HaveAll, HaveNone).
func AppendSimple(buf []byte, id MessageID) []byte { return appendHeader(buf, id, 0) }

// AppendHave appends a Have message.
func AppendHave(buf []byte, index uint32) []byte { return appendIndex(buf, Have, index) }

// AppendRequest appends a Request message.
func AppendRequest(buf []byte, index, begin, length uint32) []byte {
	return appendTriple(buf, Request, index, begin, length)
}

// AppendCancel appends a Cancel message.
func AppendCancel(buf []byte, index, begin, length uint32) []byte {
	return appendTriple(buf, Cancel, index, begin, length)
}

// AppendReject appends a BEP 6 RejectRequest message.
func AppendReject(buf []byte, index, begin, length uint32) []byte {
	return appendTriple(buf, RejectRequest, index, begin, length)
}

// AppendPieceHeader appends the 13-byte header of a Piece message whose block
// is blockLen bytes long. The caller sends the block itself afterwards, for
// example as the next element of a net.Buffers, so it is never copied.
func AppendPieceHeader(buf []byte, index, begin uint32, blockLen int) []byte {
	buf = appendHeader(buf, Piece, 8+blockLen)
	buf = binary.BigEndian.AppendUint32(buf, index)
	return binary.BigEndian.AppendUint32(buf, begin)
}

// AppendBitfield appends a Bitfield message carrying the wire-format bits.
func AppendBitfield(buf []byte, bits []byte) []byte {
	buf = appendHeader(buf, Bitfield, len(bits))
	return append(buf, bits...)
}

// AppendPort appends a BEP 5 Port message.
func AppendPort(buf []byte, port uint16) []byte {
	buf = appendHeader(buf, Port, 2)
	return binary.BigEndian.AppendUint16(buf, port)
}

// AppendExtended appends a BEP 10 Extended message. extID 0 is the extended
// handshake; other IDs are those the remote peer assigned in its "m" map.
func AppendExtended(buf []byte, extID uint8, payload []byte) []byte {
	buf = appendHeader(buf, Extended, 1+len(payload))
	buf = append(buf, extID)
	return append(buf, payload...)
}
