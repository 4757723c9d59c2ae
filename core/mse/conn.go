package mse

import (
	"crypto/rc4"
	"net"
	"sync"
)

// plaintextHandshakeStart is how every plain BitTorrent handshake begins.
const plaintextHandshakeStart = "\x13BitTorrent protocol"

// PeekLen is how many bytes IsPlaintextHandshake needs.
const PeekLen = len(plaintextHandshakeStart)

// IsPlaintextHandshake reports whether the first bytes of an incoming connection are a plain
// BitTorrent handshake ("\x13BitTorrent protocol"); anything else may be MSE. It needs PeekLen
// bytes.
func IsPlaintextHandshake(first []byte) bool {
	return len(first) >= PeekLen && string(first[:PeekLen]) == plaintextHandshakeStart
}

// Conn is a connection after the MSE handshake (or a PrefixConn). Reads first return the bytes
// already read past the handshake, then read from the connection; with RC4 both directions are
// encrypted. Read and Write allocate nothing (Write keeps one buffer of up to writeChunk bytes).
type Conn struct {
	net.Conn
	method CryptoMethod

	rmu     sync.Mutex
	pending []byte      // plaintext to return before reading the connection
	dec     *rc4.Cipher // nil unless RC4

	wmu  sync.Mutex
	enc  *rc4.Cipher // nil unless RC4
	wbuf []byte
	werr error // a failed Write leaves the key stream ahead of the peer: every later Write fails
}

// writeChunk bounds the encryption buffer of a Conn.
const writeChunk = 64 << 10

// PrefixConn returns a connection that reads prefix before reading conn: the wrapper for a
// listener that peeked at the first bytes (IsPlaintextHandshake). prefix is not copied. If conn
// is a *Conn, prefix is put in front of its unread bytes and conn itself is returned.
func PrefixConn(conn net.Conn, prefix []byte) net.Conn {
	if len(prefix) == 0 {
		return conn
	}
	if c, ok := conn.(*Conn); ok {
		c.rmu.Lock()
		c.pending = append(prefix[:len(prefix):len(prefix)], c.pending...)
		c.rmu.Unlock()
		return c
	}
	return &Conn{Conn: conn, pending: prefix}
}

// Unwrap returns the connection under a PrefixConn whose prefix has been read, so a plain
// BitTorrent connection is a *net.TCPConn again; any other conn is returned as is.
func Unwrap(conn net.Conn) net.Conn {
	if c, ok := conn.(*Conn); ok && c.method == 0 {
		c.rmu.Lock()
		drained := len(c.pending) == 0
		c.rmu.Unlock()
		if drained {
			return Unwrap(c.Conn)
		}
	}
	return conn
}

// MethodOf returns the method negotiated on a connection returned by Initiate or Accept (also
// when wrapped by PrefixConn), and 0 for any other connection.
func MethodOf(conn net.Conn) CryptoMethod {
	if c, ok := conn.(*Conn); ok {
		return c.method
	}
	return 0
}

// Method returns the negotiated method (0 for a PrefixConn).
func (c *Conn) Method() CryptoMethod { return c.method }

// NetConn returns the underlying connection. Reading or writing it directly breaks the stream.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// Read reads and, with RC4, decrypts.
func (c *Conn) Read(p []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			c.pending = nil
		}
		return n, nil
	}
	n, err := c.Conn.Read(p)
	if c.dec != nil && n > 0 {
		c.dec.XORKeyStream(p[:n], p[:n])
	}
	return n, err
}

// Write encrypts (with RC4) into the Conn's own buffer, never into p, and writes.
func (c *Conn) Write(p []byte) (int, error) {
	if c.enc == nil {
		return c.Conn.Write(p)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.werr != nil {
		return 0, c.werr
	}
	written := 0
	for len(p) > 0 {
		n := min(len(p), writeChunk)
		if cap(c.wbuf) < n {
			c.wbuf = make([]byte, max(n, min(4*cap(c.wbuf), writeChunk)))
		}
		buf := c.wbuf[:n]
		c.enc.XORKeyStream(buf, p[:n])
		m, err := c.Conn.Write(buf)
		written += m
		if err != nil {
			c.werr = err
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}
