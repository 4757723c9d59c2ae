package peerwire

import (
	"encoding/binary"
	"fmt"
)

// checkBody validates the body length (bytes after the ID) of a message whose
// length prefix already passed the overall size limit.
func checkBody(id MessageID, bodyLen, maxBlock int) error {
	if want := fixedBodyLen(id); want >= 0 {
		if bodyLen != want {
			return fmt.Errorf("%w: %s with %d-byte body, want %d", ErrBadLength, id, bodyLen, want)
		}
		return nil
	}
	switch id {
	case Piece:
		if bodyLen < 8 {
			return fmt.Errorf("%w: piece with %d-byte body, want at least 8", ErrBadLength, bodyLen)
		}
		if bodyLen-8 > maxBlock {
			return fmt.Errorf("%w: piece block of %d bytes, limit %d", ErrMessageTooLarge, bodyLen-8, maxBlock)
		}
	case Extended:
		if bodyLen < 1 {
			return fmt.Errorf("%w: extended message without extended id", ErrBadLength)
		}
	}
	return nil
}

// decodeFixed fills m from the body of a fixed-size message (length already
// checked by checkBody).
func decodeFixed(id MessageID, body []byte, m *Message) {
	switch len(body) {
	case 2:
		m.Port = binary.BigEndian.Uint16(body)
	case 4:
		m.Index = binary.BigEndian.Uint32(body)
	case 12:
		m.Index = binary.BigEndian.Uint32(body)
		m.Begin = binary.BigEndian.Uint32(body[4:])
		m.Length = binary.BigEndian.Uint32(body[8:])
	}
}

// ParseMessage decodes exactly one framed message (length prefix included)
// with the default limits. Slices in the result alias b. Trailing or missing
// bytes are an error.
func ParseMessage(b []byte) (Message, error) {
	var m Message
	if len(b) < 4 {
		return m, fmt.Errorf("%w: %d bytes, no length prefix", ErrBadLength, len(b))
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > DefaultMaxMessage {
		return m, fmt.Errorf("%w: length %d, limit %d", ErrMessageTooLarge, n, DefaultMaxMessage)
	}
	if int(n) != len(b)-4 {
		return m, fmt.Errorf("%w: length prefix %d but %d bytes follow", ErrBadLength, n, len(b)-4)
	}
	if n == 0 {
		m.KeepAlive = true
		return m, nil
	}
	m.ID = MessageID(b[4])
	body := b[5:]
	if err := checkBody(m.ID, len(body), DefaultMaxBlock); err != nil {
		return Message{}, err
	}
	switch m.ID {
	case Piece:
		m.Index = binary.BigEndian.Uint32(body)
		m.Begin = binary.BigEndian.Uint32(body[4:])
		m.Block = body[8:]
	case Bitfield:
		m.Bitfield = body
	case Extended:
		m.ExtendedID = body[0]
		m.Payload = body[1:]
	default:
		if fixedBodyLen(m.ID) >= 0 {
			decodeFixed(m.ID, body, &m)
		} else {
			m.Payload = body
		}
	}
	return m, nil
}
