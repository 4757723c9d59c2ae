package mse

import (
	"crypto/rc4"
	"io"
	"math/rand/v2"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
)

func newChaCha(seed byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{seed}) }

func TestIsPlaintextHandshakeRecognisesOnlyTheProtocolString(t *testing.T) {
	require.True(t, IsPlaintextHandshake(btHandshake()))
	require.True(t, IsPlaintextHandshake(btHandshake()[:PeekLen]))
	require.False(t, IsPlaintextHandshake(btHandshake()[:PeekLen-1]))
	require.False(t, IsPlaintextHandshake([]byte("\x13BitTorrent protocoL")))
	require.False(t, IsPlaintextHandshake(make([]byte, 96)))
}

func TestPrefixConnReturnsPeekedBytesFirstAndUnwraps(t *testing.T) {
	a, b := pipePair(t)
	go a.Write([]byte(" world"))
	c := PrefixConn(b, []byte("hello"))
	require.Same(t, b, Unwrap(b))
	require.NotEqual(t, b, Unwrap(c), "bytes still pending")
	got := make([]byte, 11)
	_, err := io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, "hello world", string(got))
	require.Equal(t, b, Unwrap(c))
	require.Equal(t, CryptoMethod(0), MethodOf(c))
}

func TestPrefixConnOnAnMSEConnKeepsTheMethod(t *testing.T) {
	a, _ := pipePair(t)
	c := &Conn{Conn: a, method: RC4, pending: []byte("rest")}
	p := PrefixConn(c, []byte("IA-"))
	require.Same(t, c, p)
	require.Equal(t, RC4, MethodOf(p))
	require.Equal(t, p, Unwrap(p))
	got := make([]byte, 7)
	_, err := io.ReadFull(p, got)
	require.NoError(t, err)
	require.Equal(t, "IA-rest", string(got))
}

// nullConn accepts writes and serves reads of zeros, like an endless peer.
type nullConn struct{ scriptConn }

func (nullConn) Read(p []byte) (int, error) { return len(p), nil }

func rc4Pair() (*rc4.Cipher, *rc4.Cipher) {
	e, _ := rc4.NewCipher([]byte("0123456789abcdefghij"))
	d, _ := rc4.NewCipher([]byte("jihgfedcba9876543210"))
	return e, d
}

func TestConnReadAndWriteDoNotAllocate(t *testing.T) {
	enc, dec := rc4Pair()
	c := &Conn{Conn: &nullConn{}, method: RC4, enc: enc, dec: dec}
	msg := make([]byte, 16<<10+13)
	c.Write(msg) // first write sizes the buffer
	buf := make([]byte, 16<<10)
	allocs := testing.AllocsPerRun(100, func() {
		c.Write(msg)
		c.Read(buf)
	})
	require.Zero(t, allocs)
}

func TestConnWriteDoesNotModifyCallerBytesAndSplitsLargeWrites(t *testing.T) {
	a, b := pipePair(t)
	enc, _ := rc4Pair()
	dec, _ := rc4Pair() // the same key: the reader undoes the writer's key stream
	ca := &Conn{Conn: a, method: RC4, enc: enc}
	cb := &Conn{Conn: b, method: RC4, dec: dec}
	msg := make([]byte, 3*writeChunk+5)
	for i := range msg {
		msg[i] = byte(i * 31)
	}
	orig := append([]byte(nil), msg...)
	go ca.Write(msg)
	got := make([]byte, len(msg))
	_, err := io.ReadFull(cb, got)
	require.NoError(t, err)
	require.Equal(t, orig, msg)
	require.Equal(t, orig, got)
}

func TestConnWriteFailureIsSticky(t *testing.T) {
	a, b := net.Pipe()
	enc, _ := rc4Pair()
	c := &Conn{Conn: a, method: RC4, enc: enc}
	b.Close()
	_, err := c.Write([]byte("x"))
	require.Error(t, err)
	_, err2 := c.Write([]byte("y"))
	require.ErrorIs(t, err2, err)
}
