package peerwire

import (
	"errors"
	"fmt"
)

// MessageID is the one-byte type of a peer wire message.
type MessageID uint8

// Message IDs from BEP 3 (0-8), BEP 5 (Port), BEP 6 (fast extension) and
// BEP 10 (Extended).
const (
	Choke         MessageID = 0
	Unchoke       MessageID = 1
	Interested    MessageID = 2
	NotInterested MessageID = 3
	Have          MessageID = 4
	Bitfield      MessageID = 5
	Request       MessageID = 6
	Piece         MessageID = 7
	Cancel        MessageID = 8
	Port          MessageID = 9
	Suggest       MessageID = 0x0D
	HaveAll       MessageID = 0x0E
	HaveNone      MessageID = 0x0F
	RejectRequest MessageID = 0x10
	AllowedFast   MessageID = 0x11
	Extended      MessageID = 20
)

// String returns the message name, or "unknown(N)".
func (id MessageID) String() string {
	switch id {
	case Choke:
		return "choke"
	case Unchoke:
		return "unchoke"
	case Interested:
		return "interested"
	case NotInterested:
		return "not_interested"
	case Have:
		return "have"
	case Bitfield:
		return "bitfield"
	case Request:
		return "request"
	case Piece:
		return "piece"
	case Cancel:
		return "cancel"
	case Port:
		return "port"
	case Suggest:
		return "suggest"
	case HaveAll:
		return "have_all"
	case HaveNone:
		return "have_none"
	case RejectRequest:
		return "reject_request"
	case AllowedFast:
		return "allowed_fast"
	case Extended:
		return "extended"
	case HashRequest:
		return "hash_request"
	case Hashes:
		return "hashes"
	case HashReject:
		return "hash_reject"
	}
	return fmt.Sprintf("unknown(%d)", uint8(id))
}

// Known reports whether id is one this package decodes field by field.
func (id MessageID) Known() bool {
	return id <= Port || (id >= Suggest && id <= AllowedFast) || id == Extended
}

// Message is one decoded peer wire message. Which fields are meaningful
// depends on ID:
//
//	KeepAlive                          no fields (ID is 0 and meaningless)
//	Choke, Unchoke, Interested,
//	NotInterested, HaveAll, HaveNone   none
//	Have, Suggest, AllowedFast         Index
//	Bitfield                           Bitfield
//	Request, Cancel, RejectRequest     Index, Begin, Length
//	Piece                              Index, Begin, Block
//	Port                               Port
//	Extended                           ExtendedID, Payload
//	unknown IDs                        Payload (the body after the ID byte)
type Message struct {
	KeepAlive            bool
	ID                   MessageID
	Index, Begin, Length uint32
	Bitfield             []byte
	Block                []byte // Piece payload
	Port                 uint16
	ExtendedID           uint8
	Payload              []byte // Extended payload, or body of an unknown ID
}

// String summarises m for logs (payloads are shown by length only).
func (m *Message) String() string {
	if m.KeepAlive {
		return "keepalive"
	}
	switch m.ID {
	case Have, Suggest, AllowedFast:
		return fmt.Sprintf("%s(%d)", m.ID, m.Index)
	case Request, Cancel, RejectRequest:
		return fmt.Sprintf("%s(%d,%d,%d)", m.ID, m.Index, m.Begin, m.Length)
	case Piece:
		return fmt.Sprintf("piece(%d,%d,len=%d)", m.Index, m.Begin, len(m.Block))
	case Bitfield:
		return fmt.Sprintf("bitfield(len=%d)", len(m.Bitfield))
	case Port:
		return fmt.Sprintf("port(%d)", m.Port)
	case Extended:
		return fmt.Sprintf("extended(%d,len=%d)", m.ExtendedID, len(m.Payload))
	}
	if m.ID.Known() {
		return m.ID.String()
	}
	return fmt.Sprintf("%s(len=%d)", m.ID, len(m.Payload))
}

// Limits.
const (
	// DefaultMaxMessage bounds the length prefix of any message, including
	// Bitfield, Extended and unknown messages (1 MiB covers a bitfield of
	// 8 million pieces).
	DefaultMaxMessage = 1 << 20
	// DefaultMaxBlock bounds the block carried by a Piece message. Every
	// mainstream client requests 16 KiB blocks and rejects larger requests.
	DefaultMaxBlock = 16 << 10
	// PieceHeaderLen is the framing before a Piece block: length prefix, ID,
	// index and begin.
	PieceHeaderLen = 4 + 1 + 4 + 4
)

var (
	// ErrMessageTooLarge reports a length prefix above the reader's limit.
	ErrMessageTooLarge = errors.New("peerwire: message too large")
	// ErrBadLength reports a message whose length does not fit its ID
	// (for example a Have with 3 bytes of payload).
	ErrBadLength = errors.New("peerwire: bad message length")
)

// fixedBodyLen returns the body length (after the ID byte) of fixed-size
// messages, or -1 for variable-size and unknown ones.
func fixedBodyLen(id MessageID) int {
	switch id {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return 0
	case Have, Suggest, AllowedFast:
		return 4
	case Request, Cancel, RejectRequest:
		return 12
	case Port:
		return 2
	}
	return -1
}
