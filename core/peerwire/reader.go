package peerwire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// readBufferSize is the bufio buffer size. Piece blocks larger than what is
// buffered are read straight from the connection into the block buffer.
const readBufferSize = 64 << 10

// Reader decodes a stream of messages. It is used by the one goroutine that
// reads a connection. It also implements io.Reader so the handshake can be
// read through it without losing buffered bytes.
type Reader struct {
	// BlockBuf, if set, is called with the block length of every Piece
	// message and must return a slice with at least that capacity (for
	// example from a buffer pool). The block is read into it and handed to
	// the caller in Message.Block; the Reader never touches it again. If
	// BlockBuf is nil, or returns a slice that is too small, Message.Block
	// reuses or grows the Message's own buffer.
	BlockBuf func(n int) []byte
	// MaxBlock bounds the block of a Piece message; 0 means DefaultMaxBlock.
	MaxBlock int

	br      *bufio.Reader
	max     int
	scratch [12]byte
}

// NewReader returns a Reader on r that rejects messages whose length prefix
// exceeds maxMessage (DefaultMaxMessage if maxMessage <= 0). If r is already
// a large enough *bufio.Reader it is used directly.
func NewReader(r io.Reader, maxMessage int) *Reader {
	if maxMessage <= 0 {
		maxMessage = DefaultMaxMessage
	}
	return &Reader{br: bufio.NewReaderSize(r, readBufferSize), max: maxMessage}
}

// Read reads raw bytes from the buffered stream (for the handshake).
func (r *Reader) Read(p []byte) (int, error) { return r.br.Read(p) }

// Buffered returns the number of bytes already read from the connection but
// not yet consumed.
func (r *Reader) Buffered() int { return r.br.Buffered() }

// MessageBuffered reports whether a whole next message is already buffered, so that
// ReadMessage will return without waiting for the network.
func (r *Reader) MessageBuffered() bool {
	if r.br.Buffered() < 4 {
		return false
	}
	b, err := r.br.Peek(4)
	if err != nil {
		return false
	}
	n := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	return n >= 0 && r.br.Buffered() >= 4+n
}

func (r *Reader) maxBlock() int {
	if r.MaxBlock > 0 {
		return r.MaxBlock
	}
	return DefaultMaxBlock
}

// ReadMessage reads the next message into m, reusing m's Bitfield, Payload
// and (without BlockBuf) Block slices; their contents are valid only until
// the next call with the same m. At a clean message boundary the end of the
// stream is returned as io.EOF; inside a message it is io.ErrUnexpectedEOF.
// Any error leaves the stream unusable.
func (r *Reader) ReadMessage(m *Message) error {
	block := m.Block[:0]
	if r.BlockBuf != nil {
		block = nil // a pooled block belongs to the caller now
	}
	*m = Message{Bitfield: m.Bitfield[:0], Payload: m.Payload[:0], Block: block}

	if _, err := io.ReadFull(r.br, r.scratch[:4]); err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return fmt.Errorf("peerwire: read length: %w", err)
	}
	n := binary.BigEndian.Uint32(r.scratch[:4])
	if n == 0 {
		m.KeepAlive = true
		return nil
	}
	if uint64(n) > uint64(r.max) {
		return fmt.Errorf("%w: length %d, limit %d", ErrMessageTooLarge, n, r.max)
	}
	id, err := r.br.ReadByte()
	if err != nil {
		return readErr(err)
	}
	m.ID = MessageID(id)
	bodyLen := int(n - 1)
	if err := checkBody(m.ID, bodyLen, r.maxBlock()); err != nil {
		return err
	}

	switch m.ID {
	case Piece:
		if err := r.readFull(r.scratch[:8]); err != nil {
			return err
		}
		m.Index = binary.BigEndian.Uint32(r.scratch[:4])
		m.Begin = binary.BigEndian.Uint32(r.scratch[4:8])
		n := bodyLen - 8
		var b []byte
		if r.BlockBuf != nil {
			b = r.BlockBuf(n)
		} else {
			b = m.Block
		}
		m.Block = grow(b, n)
		return r.readFull(m.Block)
	case Bitfield:
		m.Bitfield = grow(m.Bitfield, bodyLen)
		return r.readFull(m.Bitfield)
	case Extended:
		ext, err := r.br.ReadByte()
		if err != nil {
			return readErr(err)
		}
		m.ExtendedID = ext
		m.Payload = grow(m.Payload, bodyLen-1)
		return r.readFull(m.Payload)
	}
	if fixedBodyLen(m.ID) >= 0 {
		body := r.scratch[:bodyLen]
		if err := r.readFull(body); err != nil {
			return err
		}
		decodeFixed(m.ID, body, m)
		return nil
	}
	m.Payload = grow(m.Payload, bodyLen)
	return r.readFull(m.Payload)
}

// readFull fills b; running out of input mid-message is io.ErrUnexpectedEOF.
func (r *Reader) readFull(b []byte) error {
	if _, err := io.ReadFull(r.br, b); err != nil {
		return readErr(err)
	}
	return nil
}

func readErr(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("peerwire: read message: %w", err)
}

// grow returns b resliced to n bytes, allocating only if its capacity is too
// small.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	return make([]byte, n)
}
