package mse

import (
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

var (
	testInfoHash  = [20]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	otherInfoHash = [20]byte{0: 0xee, 19: 0xff}
)

// btHandshake is a plain BitTorrent handshake for testInfoHash, used as the initial payload.
func btHandshake() []byte {
	b := []byte(plaintextHandshakeStart)
	b = append(b, make([]byte, 8)...)
	b = append(b, testInfoHash[:]...)
	return append(b, []byte("-LB0010-abcdefghijkl")...)
}

// seededRandom is a deterministic random source: the same seed gives the same keys and pads.
func seededRandom(seed byte) func([]byte) error {
	r := rand.NewChaCha8([32]byte{seed})
	return func(b []byte) error {
		r.Read(b)
		return nil
	}
}

// padRandom makes every pad padLen bytes long (pad lengths are the only 2-byte reads) and
// everything else random.
func padRandom(padLen int) func([]byte) error {
	return func(b []byte) error {
		if len(b) == 2 {
			b[0], b[1] = byte(padLen>>8), byte(padLen)
			return nil
		}
		return cryptoRandom(b)
	}
}

// tapConn records everything written through it.
type tapConn struct {
	net.Conn
	mu  sync.Mutex
	out bytes.Buffer
}

func (t *tapConn) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.out.Write(p)
	t.mu.Unlock()
	return t.Conn.Write(p)
}

func (t *tapConn) written() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.out.Bytes())
}

// scriptConn reads from a fixed script (io.EOF at its end), counts what was read and drops
// writes: a peer that sends exactly the script.
type scriptConn struct {
	r    io.Reader
	read int
}

func newScriptConn(r io.Reader) *scriptConn { return &scriptConn{r: r} }

func (c *scriptConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}
func (c *scriptConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c *scriptConn) Close() error                     { return nil }
func (c *scriptConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *scriptConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *scriptConn) SetDeadline(time.Time) error      { return nil }
func (c *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (c *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// garbage is an endless stream of pseudo-random bytes.
type garbage struct{ r *rand.ChaCha8 }

func (g garbage) Read(p []byte) (int, error) { return g.r.Read(p) }
