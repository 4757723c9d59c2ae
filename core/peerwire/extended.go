package peerwire

import (
	"errors"
	"fmt"
	"math"
	"net/netip"

	"github.com/libbt/libbt/core/bencode"
)

// ExtendedHandshakeID is the BEP 10 extended message ID of the extended
// handshake itself.
const ExtendedHandshakeID uint8 = 0

// Well-known extension names for the "m" dictionary.
const (
	ExtMetadata = "ut_metadata" // BEP 9
	ExtPEX      = "ut_pex"      // BEP 11
)

// ExtendedHandshake is the BEP 10 handshake dictionary (extended message 0).
type ExtendedHandshake struct {
	// M maps extension names to the extended message IDs the sender wants to
	// receive them on; 0 means the sender disabled that extension.
	M            map[string]int `bencode:"m"`
	V            string         `bencode:"v,omitempty"`             // client name and version
	P            int            `bencode:"p,omitempty"`             // sender's listen port
	Reqq         int            `bencode:"reqq,omitempty"`          // outstanding requests the sender allows
	YourIP       []byte         `bencode:"yourip,omitempty"`        // receiver's address as the sender sees it (4 or 16 bytes)
	IPv6         []byte         `bencode:"ipv6,omitempty"`          // sender's IPv6 address (16 bytes)
	IPv4         []byte         `bencode:"ipv4,omitempty"`          // sender's IPv4 address (4 bytes)
	MetadataSize int            `bencode:"metadata_size,omitempty"` // BEP 9: size of the info dict
	UploadOnly   int            `bencode:"upload_only,omitempty"`   // BEP 21: non-zero if the sender only uploads
}

// ErrBadExtendedHandshake reports an extended handshake payload that is not
// a valid bencoded dictionary; it wraps the bencode error.
var ErrBadExtendedHandshake = errors.New("peerwire: bad extended handshake")

// ParseExtendedHandshake decodes an extended handshake payload (the bytes
// after the extended message ID).
//
// It is lenient, because real clients send odd things: unknown keys are
// ignored, a known key with the wrong type is ignored as if absent, "m"
// entries whose value is not an integer in 0..255 are dropped, out-of-range
// p, reqq and metadata_size are dropped, and bytes after the dictionary are
// ignored. The dictionary itself must be valid canonical bencoding
// (core/bencode is strict about key order). It never panics and allocates
// no more than a small multiple of len(b).
func ParseExtendedHandshake(b []byte) (*ExtendedHandshake, error) {
	var raw map[string]bencode.RawMessage
	if _, err := bencode.UnmarshalPrefix(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadExtendedHandshake, err)
	}
	h := &ExtendedHandshake{M: map[string]int{}}
	if v, ok := raw["m"]; ok {
		var m map[string]bencode.RawMessage
		if bencode.Unmarshal(v, &m) == nil {
			for name, rv := range m {
				var id int64
				if bencode.Unmarshal(rv, &id) == nil && id >= 0 && id <= 255 {
					h.M[name] = int(id)
				}
			}
		}
	}
	h.V = rawString(raw["v"])
	h.P = rawInt(raw["p"], 0, 65535)
	h.Reqq = rawInt(raw["reqq"], 0, math.MaxInt32)
	h.MetadataSize = rawInt(raw["metadata_size"], 0, math.MaxInt32)
	h.UploadOnly = rawInt(raw["upload_only"], 0, math.MaxInt32)
	h.YourIP = rawBytes(raw["yourip"])
	h.IPv6 = rawBytes(raw["ipv6"])
	h.IPv4 = rawBytes(raw["ipv4"])
	return h, nil
}

// rawInt decodes an integer in [lo, hi], or returns 0.
func rawInt(v bencode.RawMessage, lo, hi int64) int {
	var n int64
	if v == nil || bencode.Unmarshal(v, &n) != nil || n < lo || n > hi {
		return 0
	}
	return int(n)
}

// rawBytes decodes a string value, or returns nil.
func rawBytes(v bencode.RawMessage) []byte {
	var b []byte
	if v == nil || bencode.Unmarshal(v, &b) != nil || len(b) == 0 {
		return nil
	}
	return b
}

func rawString(v bencode.RawMessage) string { return string(rawBytes(v)) }

// Marshal encodes h as an extended handshake payload. "m" is always present
// (an empty dict if M is empty); IDs must be in 0..255.
func (h *ExtendedHandshake) Marshal() ([]byte, error) {
	for name, id := range h.M {
		if id < 0 || id > 255 {
			return nil, fmt.Errorf("peerwire: extended handshake: extension %q has id %d, want 0..255", name, id)
		}
	}
	b, err := bencode.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("peerwire: extended handshake: %w", err)
	}
	return b, nil
}

// ExtensionID returns the extended message ID the sender of h wants name
// sent on, and false if it does not support name or disabled it (ID 0).
func (h *ExtendedHandshake) ExtensionID(name string) (uint8, bool) {
	id, ok := h.M[name]
	if !ok || id <= 0 || id > 255 {
		return 0, false
	}
	return uint8(id), true
}

// YourIPAddr returns the "yourip" address if it is 4 or 16 bytes long.
func (h *ExtendedHandshake) YourIPAddr() (netip.Addr, bool) { return addrFromBytes(h.YourIP) }

// IPv4Addr returns the sender's "ipv4" address if it is 4 bytes long.
func (h *ExtendedHandshake) IPv4Addr() (netip.Addr, bool) {
	if len(h.IPv4) != 4 {
		return netip.Addr{}, false
	}
	return addrFromBytes(h.IPv4)
}

// IPv6Addr returns the sender's "ipv6" address if it is 16 bytes long.
func (h *ExtendedHandshake) IPv6Addr() (netip.Addr, bool) {
	if len(h.IPv6) != 16 {
		return netip.Addr{}, false
	}
	return addrFromBytes(h.IPv6)
}

func addrFromBytes(b []byte) (netip.Addr, bool) {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b)), true
	case 16:
		return netip.AddrFrom16([16]byte(b)), true
	}
	return netip.Addr{}, false
}
