package peerwire

import (
	"errors"
	"fmt"
	"io"
)

// Protocol is the protocol string sent at the start of every handshake.
const Protocol = "BitTorrent protocol"

const (
	// HandshakeLen is the length of a complete handshake.
	HandshakeLen = 1 + len(Protocol) + 8 + 20 + 20
	// handshakeHeaderLen is everything up to and including the info hash.
	handshakeHeaderLen = HandshakeLen - 20
)

// Reserved-bit positions (byte index into Handshake.Reserved, bit mask).
const (
	extendedByte, extendedBit = 5, 0x10 // BEP 10
	fastByte, fastBit         = 7, 0x04 // BEP 6
	dhtByte, dhtBit           = 7, 0x01 // BEP 5
)

// ErrBadProtocol reports a handshake that does not start with the
// length-prefixed "BitTorrent protocol" string (for example an encrypted or
// non-BitTorrent connection).
var ErrBadProtocol = errors.New("peerwire: handshake: not the BitTorrent protocol")

// Handshake is the BEP 3 handshake that opens every connection.
type Handshake struct {
	Reserved [8]byte
	InfoHash [20]byte
	PeerID   [20]byte
}

// SupportsExtended reports the BEP 10 extension protocol bit.
func (h Handshake) SupportsExtended() bool { return h.Reserved[extendedByte]&extendedBit != 0 }

// SupportsFast reports the BEP 6 fast extension bit.
func (h Handshake) SupportsFast() bool { return h.Reserved[fastByte]&fastBit != 0 }

// SupportsDHT reports the BEP 5 DHT bit (the peer accepts Port messages).
func (h Handshake) SupportsDHT() bool { return h.Reserved[dhtByte]&dhtBit != 0 }

// SetExtended sets the BEP 10 extension protocol bit.
func (h *Handshake) SetExtended() { h.Reserved[extendedByte] |= extendedBit }

// SetFast sets the BEP 6 fast extension bit.
func (h *Handshake) SetFast() { h.Reserved[fastByte] |= fastBit }

// SetDHT sets the BEP 5 DHT bit.
func (h *Handshake) SetDHT() { h.Reserved[dhtByte] |= dhtBit }

// AppendHandshake appends the 68-byte encoding of h to buf.
func AppendHandshake(buf []byte, h Handshake) []byte {
	buf = append(buf, byte(len(Protocol)))
	buf = append(buf, Protocol...)
	buf = append(buf, h.Reserved[:]...)
	buf = append(buf, h.InfoHash[:]...)
	return append(buf, h.PeerID[:]...)
}

// WriteHandshake writes the complete handshake in a single Write call.
func WriteHandshake(w io.Writer, h Handshake) error {
	var b [HandshakeLen]byte
	if _, err := w.Write(AppendHandshake(b[:0], h)); err != nil {
		return fmt.Errorf("peerwire: write handshake: %w", err)
	}
	return nil
}

// ReadHandshake reads exactly HandshakeLen bytes and decodes them.
// It returns ErrBadProtocol if the protocol string is wrong.
func ReadHandshake(r io.Reader) (Handshake, error) {
	var h Handshake
	var err error
	h.Reserved, h.InfoHash, err = ReadHandshakeHeader(r)
	if err != nil {
		return h, err
	}
	h.PeerID, err = ReadPeerID(r)
	return h, err
}

// ReadHandshakeHeader reads the first 48 bytes of a handshake: protocol
// string, reserved bytes and info hash. The receiving side of a connection
// uses it to look up the torrent before sending its own handshake, then calls
// ReadPeerID.
func ReadHandshakeHeader(r io.Reader) (reserved [8]byte, infoHash [20]byte, err error) {
	var b [handshakeHeaderLen]byte
	if _, err = io.ReadFull(r, b[:]); err != nil {
		return reserved, infoHash, fmt.Errorf("peerwire: read handshake: %w", err)
	}
	if b[0] != byte(len(Protocol)) || string(b[1:1+len(Protocol)]) != Protocol {
		return reserved, infoHash, ErrBadProtocol
	}
	copy(reserved[:], b[1+len(Protocol):])
	copy(infoHash[:], b[1+len(Protocol)+8:])
	return reserved, infoHash, nil
}

// ReadPeerID reads the 20-byte peer ID that ends a handshake.
func ReadPeerID(r io.Reader) ([20]byte, error) {
	var id [20]byte
	if _, err := io.ReadFull(r, id[:]); err != nil {
		return id, fmt.Errorf("peerwire: read handshake peer id: %w", err)
	}
	return id, nil
}
