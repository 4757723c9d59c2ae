package utmetadata

import (
	"errors"
	"fmt"
	"math"

	"github.com/libbt/libbt/core/bencode"
	"github.com/libbt/libbt/core/limits"
)

// PieceSize is BEP 9's metadata piece size; every piece but the last is this long.
const PieceSize = 16 << 10

// MaxMessageSize bounds one ut_metadata message, the bencoded header plus one piece; libtorrent
// disconnects a peer whose message is longer than 17 KiB.
const MaxMessageSize = 17 << 10

// MsgType is a ut_metadata message's msg_type.
type MsgType int

const (
	MsgRequest MsgType = 0
	MsgData    MsgType = 1
	MsgReject  MsgType = 2
)

// Message is one ut_metadata message. Types other than the three above may be parsed (BEP 9
// says to ignore them).
type Message struct {
	Type      MsgType
	Piece     int
	TotalSize int    // data messages: the whole info dictionary's size
	Data      []byte // data messages: the piece (aliases the parsed payload)
}

// ErrBadMessage is wrapped by every ParseMessage error.
var ErrBadMessage = errors.New("ut_metadata: bad message")

// ParseMessage decodes a ut_metadata payload (the bytes after the extended message id). It
// requires integer msg_type and piece keys, a piece and total_size in [0, 2^31), and the data
// after a data message's dictionary. Unknown keys are ignored. Payloads over MaxMessageSize
// fail with a *limits.Error as well.
func ParseMessage(payload []byte) (Message, error) {
	if len(payload) > MaxMessageSize {
		return Message{}, fmt.Errorf("%w: %w", ErrBadMessage,
			&limits.Error{Limit: "ut_metadata message size", Value: int64(len(payload)), Max: MaxMessageSize})
	}
	var raw map[string]bencode.RawMessage
	n, err := bencode.UnmarshalPrefix(payload, &raw)
	if err != nil {
		return Message{}, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	typ, ok := rawInt(raw["msg_type"])
	if !ok {
		return Message{}, fmt.Errorf("%w: no integer msg_type", ErrBadMessage)
	}
	piece, ok := rawInt(raw["piece"])
	if !ok {
		return Message{}, fmt.Errorf("%w: no piece in [0, 2^31)", ErrBadMessage)
	}
	m := Message{Type: MsgType(typ), Piece: piece}
	if v, present := raw["total_size"]; present {
		if m.TotalSize, ok = rawInt(v); !ok {
			return Message{}, fmt.Errorf("%w: total_size is not an integer in [0, 2^31)", ErrBadMessage)
		}
	}
	if m.Type == MsgData {
		m.Data = payload[n:]
	}
	return m, nil
}

// rawInt decodes an integer in [0, MaxInt32].
func rawInt(v bencode.RawMessage) (int, bool) {
	var n int64
	if v == nil || bencode.Unmarshal(v, &n) != nil || n < 0 || n > math.MaxInt32 {
		return 0, false
	}
	return int(n), true
}

// AppendMessage appends m's payload: the header, then m.Data for a data message. total_size is
// written for data messages and wherever it is set.
func AppendMessage(buf []byte, m Message) []byte {
	buf = append(buf, "d8:msg_typei"...)
	buf = fmt.Appendf(buf, "%de5:piecei%de", m.Type, m.Piece)
	if m.Type == MsgData || m.TotalSize > 0 {
		buf = fmt.Appendf(buf, "10:total_sizei%de", m.TotalSize)
	}
	buf = append(buf, 'e')
	if m.Type == MsgData {
		buf = append(buf, m.Data...)
	}
	return buf
}
