package mse

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rc4"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/libbt/libbt/core/guard"
)

// readAhead is the handshake's read buffer. It holds a whole synchronisation window (at most
// 512+20 bytes) with room to spare; bytes read past the end of the handshake are handed to the
// returned Conn.
const readAhead = 2048

// handshake is the state shared by both sides: a bounded read-ahead buffer over the conn, a
// writer goroutine that sends queued messages in order (reads never wait for writes, so two
// ends that both write before reading cannot deadlock), and the random source.
type handshake struct {
	ctx    context.Context
	conn   net.Conn
	random func([]byte) error
	buf    [readAhead]byte
	start  int
	end    int
	sendq  chan []byte // to the writer goroutine; nil until the first send
	wdone  chan error  // the writer's result once sendq is closed
	stop   func() bool
}

func cryptoRandom(b []byte) error {
	_, err := io.ReadFull(rand.Reader, b)
	return err
}

// pastDeadline is a deadline that has passed: setting it wakes blocked reads and writes.
var pastDeadline = time.Unix(1, 0)

func newHandshake(ctx context.Context, conn net.Conn, random func([]byte) error) *handshake {
	h := &handshake{ctx: ctx, conn: conn, random: random}
	// A PrefixConn from the listener's peek: take its bytes into our buffer and talk to the
	// connection under it, so the result is not wrapped twice.
	if pc, ok := conn.(*Conn); ok && pc.method == 0 && len(pc.pending) <= readAhead {
		h.end = copy(h.buf[:], pc.pending)
		pc.pending = nil
		h.conn = pc.Conn
	}
	h.stop = context.AfterFunc(ctx, func() { h.conn.SetDeadline(pastDeadline) })
	return h
}

// fail stops the writer and returns err, or the context's error if that caused it.
func (h *handshake) fail(step string, err error) error {
	h.stop()
	if h.sendq != nil {
		h.conn.SetDeadline(pastDeadline)
		h.flush()
	}
	if cerr := h.ctx.Err(); cerr != nil {
		err = cerr
	}
	return fmt.Errorf("mse: %s: %w", step, err)
}

// send queues b for the writer goroutine (at most 2 messages are ever queued per side).
func (h *handshake) send(b []byte) {
	if h.sendq == nil {
		q, done, conn := make(chan []byte, 2), make(chan error, 1), h.conn
		h.sendq, h.wdone = q, done
		guard.Go("mse handshake writer", func() {
			var err error
			for m := range q {
				if err == nil {
					_, err = conn.Write(m)
				}
			}
			done <- err
		}, func(p *guard.Panic) { done <- p })
	}
	h.sendq <- b
}

// flush waits until everything queued is written and stops the writer.
func (h *handshake) flush() error {
	if h.sendq == nil {
		return nil
	}
	close(h.sendq)
	h.sendq = nil
	return <-h.wdone
}

// fill reads more bytes into the buffer; it never returns with nothing new and no error.
func (h *handshake) fill() error {
	if h.start > 0 {
		h.end = copy(h.buf[:], h.buf[h.start:h.end])
		h.start = 0
	}
	if h.end == len(h.buf) {
		return errors.New("read-ahead buffer full") // unreachable with the bounds used
	}
	n, err := h.conn.Read(h.buf[h.end:])
	h.end += n
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// readFull fills dst from the buffer, then from the connection.
func (h *handshake) readFull(dst []byte) error {
	n := copy(dst, h.buf[h.start:h.end])
	h.start += n
	if n == len(dst) {
		return nil
	}
	if _, err := io.ReadFull(h.conn, dst[n:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	return nil
}

// discard reads and decrypts n (<= maxPad) bytes of padding.
func (h *handshake) discard(n int, dec *rc4.Cipher) error {
	var pad [maxPad]byte
	if err := h.readFull(pad[:n]); err != nil {
		return err
	}
	dec.XORKeyStream(pad[:n], pad[:n])
	return nil
}

// sync consumes the stream up to and including marker, which must end within window bytes.
func (h *handshake) sync(marker []byte, window int) error {
	for {
		avail := h.buf[h.start:h.end]
		if len(avail) > window {
			avail = avail[:window]
		}
		if i := bytes.Index(avail, marker); i >= 0 {
			h.start += i + len(marker)
			return nil
		}
		if h.end-h.start >= window {
			return ErrNoSync
		}
		if err := h.fill(); err != nil {
			return err
		}
	}
}

// randomPad returns a length in [0, maxPad].
func (h *handshake) randomPadLen() (int, error) {
	var b [2]byte
	if err := h.random(b[:]); err != nil {
		return 0, err
	}
	return int(uint16(b[0])<<8|uint16(b[1])) % (maxPad + 1), nil
}

// finish hands the connection over: the bytes read past the handshake (decrypted when RC4)
// are returned first by the Conn.
func (h *handshake) finish(method CryptoMethod, enc, dec *rc4.Cipher) (*Conn, error) {
	if err := h.flush(); err != nil {
		return nil, h.fail("write", err)
	}
	if !h.stop() {
		return nil, h.fail("handshake", h.ctx.Err())
	}
	c := &Conn{Conn: h.conn, method: method}
	if method == RC4 {
		c.enc, c.dec = enc, dec
	}
	if rest := h.buf[h.start:h.end]; len(rest) > 0 {
		c.pending = bytes.Clone(rest)
		if c.dec != nil {
			c.dec.XORKeyStream(c.pending, c.pending)
		}
	}
	return c, nil
}
