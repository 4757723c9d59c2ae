package mse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type acceptResult struct {
	conn   net.Conn
	method CryptoMethod
	skey   [20]byte
	ia     []byte
	err    error
}

type pairOptions struct {
	provide, allowed CryptoMethods
	preferRC4        bool
	lookup           func([20]byte) ([20]byte, bool)
	randA, randB     func([]byte) error
	ia               []byte
}

// handshakePair runs Initiate on a and Accept on b at the same time.
func handshakePair(t *testing.T, a, b net.Conn, o pairOptions) (net.Conn, CryptoMethod, error, acceptResult) {
	t.Helper()
	if o.lookup == nil {
		o.lookup = LookupList(otherInfoHash, testInfoHash)
	}
	if o.randA == nil {
		o.randA = cryptoRandom
	}
	if o.randB == nil {
		o.randB = cryptoRandom
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan acceptResult, 1)
	go func() {
		c, m, k, ia, err := accept(ctx, b, o.lookup, o.allowed, o.preferRC4, o.randB)
		if err != nil {
			b.Close() // as a session would: the initiator sees the refusal
			done <- acceptResult{err: err}
			return
		}
		done <- acceptResult{c, m, k, ia, nil}
	}()
	c, m, err := initiate(ctx, a, testInfoHash, o.provide, o.ia, o.randA)
	if err != nil {
		a.Close()
		return nil, 0, err, <-done
	}
	return c, m, nil, <-done
}

func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		ch <- c
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	b := <-ch
	require.NotNil(t, b)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func pipePair(t *testing.T) (net.Conn, net.Conn) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// exchange sends data both ways at once and checks it arrives intact.
func exchange(t *testing.T, a, b net.Conn, size int) {
	t.Helper()
	ab := bytes.Repeat([]byte("from A to B "), size/12+1)[:size]
	ba := bytes.Repeat([]byte("from B to A "), size/12+1)[:size]
	errc := make(chan error, 2)
	go func() { _, err := a.Write(ab); errc <- err }()
	go func() { _, err := b.Write(ba); errc <- err }()
	gotB := make([]byte, size)
	gotA := make([]byte, size)
	_, err := io.ReadFull(b, gotB)
	require.NoError(t, err)
	_, err = io.ReadFull(a, gotA)
	require.NoError(t, err)
	require.NoError(t, <-errc)
	require.NoError(t, <-errc)
	require.Equal(t, ab, gotB)
	require.Equal(t, ba, gotA)
}

var methodSets = []CryptoMethods{CryptoMethods(Plaintext), CryptoMethods(RC4), AllMethods}

func TestHandshakeNegotiatesEveryProvideSelectCombination(t *testing.T) {
	for _, transport := range []string{"pipe", "tcp"} {
		for _, provide := range methodSets {
			for _, allowed := range methodSets {
				for _, prefer := range []bool{false, true} {
					name := fmt.Sprintf("%s/provide=%s/allowed=%s/prefer_rc4=%v", transport, provide, allowed, prefer)
					t.Run(name, func(t *testing.T) {
						a, b := pipePair(t)
						if transport == "tcp" {
							a, b = tcpPair(t)
						}
						tap := &tapConn{Conn: a}
						ia := btHandshake()
						ca, ma, errA, rb := handshakePair(t, tap, b, pairOptions{provide: provide, allowed: allowed, preferRC4: prefer, ia: ia})
						want := SelectMethod(provide, allowed, prefer)
						if want == 0 {
							require.ErrorIs(t, rb.err, ErrNoCommonMethod)
							require.Error(t, errA)
							return
						}
						require.NoError(t, errA)
						require.NoError(t, rb.err)
						require.Equal(t, want, ma)
						require.Equal(t, want, rb.method)
						require.Equal(t, want, MethodOf(ca))
						require.Equal(t, want, MethodOf(rb.conn))
						require.Equal(t, testInfoHash, rb.skey)
						require.Equal(t, ia, rb.ia)
						before := len(tap.written())
						exchange(t, ca, rb.conn, 100_000)
						payload := tap.written()[before:]
						require.Len(t, payload, 100_000)
						if want == RC4 {
							require.NotContains(t, string(payload), "from A to B")
						} else {
							require.Equal(t, bytes.Repeat([]byte("from A to B "), 100_000/12+1)[:100_000], payload)
						}
						// The initial payload never travels in the clear.
						require.NotContains(t, string(tap.written()), "BitTorrent protocol")
					})
				}
			}
		}
	}
}

func TestHandshakeWorksWithEveryPadLength(t *testing.T) {
	for _, pad := range []int{0, 1, 19, 20, 21, 300, 511, 512} {
		t.Run(fmt.Sprint(pad), func(t *testing.T) {
			a, b := pipePair(t)
			ca, m, err, rb := handshakePair(t, a, b, pairOptions{provide: AllMethods, allowed: AllMethods, preferRC4: true,
				randA: padRandom(pad), randB: padRandom(pad), ia: btHandshake()})
			require.NoError(t, err)
			require.NoError(t, rb.err)
			require.Equal(t, RC4, m)
			exchange(t, ca, rb.conn, 5000)
		})
	}
}

func TestHandshakeWithEmptyInitialPayload(t *testing.T) {
	a, b := tcpPair(t)
	ca, _, err, rb := handshakePair(t, a, b, pairOptions{provide: AllMethods, allowed: AllMethods, preferRC4: true})
	require.NoError(t, err)
	require.NoError(t, rb.err)
	require.Empty(t, rb.ia)
	exchange(t, ca, rb.conn, 70)
}

func TestReceiverRefusesUnknownInfoHash(t *testing.T) {
	a, b := pipePair(t)
	tap := &tapConn{Conn: a}
	_, _, err, rb := handshakePair(t, tap, b, pairOptions{provide: AllMethods, allowed: AllMethods,
		lookup: LookupList(otherInfoHash), ia: btHandshake()})
	require.ErrorIs(t, rb.err, ErrUnknownInfoHash)
	require.Error(t, err)
	require.NotContains(t, string(tap.written()), "BitTorrent protocol")
	require.NotContains(t, string(tap.written()), string(testInfoHash[:]))
}

// transcript returns what an initiator with randomness seededRandom(seed+1) and a receiver
// with seededRandom(seed) send each other, up to and including one payload byte from B.
func transcript(t testing.TB, seed byte, ia []byte) (aToB, bToA []byte) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	tapA, tapB := &tapConn{Conn: a}, &tapConn{Conn: b}
	ctx := context.Background()
	done := make(chan error, 1)
	go func() {
		c, _, _, _, err := accept(ctx, tapB, LookupList(testInfoHash), AllMethods, true, seededRandom(seed))
		if err == nil {
			_, err = c.Write([]byte("x")) // let the initiator finish reading
		}
		done <- err
	}()
	c, _, err := initiate(ctx, tapA, testInfoHash, AllMethods, ia, seededRandom(seed+1))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1)
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	return tapA.written(), tapB.written()
}

func TestAcceptReplaysTranscriptAndFailsOnEveryTruncation(t *testing.T) {
	full, _ := transcript(t, 1, btHandshake())
	c, m, skey, ia, err := accept(context.Background(), newScriptConn(bytes.NewReader(full)), LookupList(testInfoHash), AllMethods, true, seededRandom(1))
	require.NoError(t, err)
	require.Equal(t, RC4, m)
	require.Equal(t, testInfoHash, skey)
	require.Equal(t, btHandshake(), ia)
	require.NotNil(t, c)
	for cut := 0; cut < len(full); cut++ {
		_, _, _, _, err := accept(context.Background(), newScriptConn(bytes.NewReader(full[:cut])), LookupList(testInfoHash), AllMethods, true, seededRandom(1))
		require.Error(t, err, "cut at %d of %d", cut, len(full))
	}
}

func TestAcceptDetectsTamperedHandshake(t *testing.T) {
	full, _ := transcript(t, 3, btHandshake())
	// Flipping any byte after Ya breaks the sync hash, the SKEY hash, the VC, or changes what
	// is negotiated; the flip must never make Accept hang or panic.
	for i := keyLen; i < len(full); i++ {
		bad := bytes.Clone(full)
		bad[i] ^= 0x40
		_, _, skey, ia, err := accept(context.Background(), newScriptConn(bytes.NewReader(bad)), LookupList(testInfoHash), AllMethods, true, seededRandom(3))
		if err == nil {
			// Only a flip inside PadC, the provide bits, len(IA) or IA can still succeed, and
			// only for the right torrent.
			require.Equal(t, testInfoHash, skey)
			require.LessOrEqual(t, len(ia), len(full))
		}
	}
}

func TestAcceptGivesUpOnGarbageWithinSyncWindow(t *testing.T) {
	for seed := range byte(20) {
		conn := newScriptConn(garbage{newChaCha(seed)})
		_, _, _, _, err := accept(context.Background(), conn, LookupList(testInfoHash), AllMethods, false, cryptoRandom)
		require.Error(t, err)
		// A random 96-byte "key" is sometimes >= P: refused at once; otherwise no sync.
		if !errors.Is(err, ErrBadPublicKey) {
			require.ErrorIs(t, err, ErrNoSync)
		}
		require.LessOrEqual(t, conn.read, keyLen+readAhead)
	}
}

func TestInitiateReplaysTranscriptAndFailsOnEveryTruncation(t *testing.T) {
	_, full := transcript(t, 5, btHandshake())
	c, m, err := initiate(context.Background(), newScriptConn(bytes.NewReader(full)), testInfoHash, AllMethods, btHandshake(), seededRandom(6))
	require.NoError(t, err)
	require.Equal(t, RC4, m)
	got := make([]byte, 1)
	_, err = io.ReadFull(c, got)
	require.NoError(t, err)
	require.Equal(t, "x", string(got))
	for cut := 0; cut < len(full)-1; cut++ {
		_, _, err := initiate(context.Background(), newScriptConn(bytes.NewReader(full[:cut])), testInfoHash, AllMethods, btHandshake(), seededRandom(6))
		require.Error(t, err, "cut at %d of %d", cut, len(full))
	}
}

func TestInitiateGivesUpOnGarbageWithinSyncWindow(t *testing.T) {
	conn := newScriptConn(garbage{newChaCha(7)})
	_, _, err := initiate(context.Background(), conn, testInfoHash, AllMethods, btHandshake(), cryptoRandom)
	require.Error(t, err)
	require.LessOrEqual(t, conn.read, keyLen+readAhead)
}

func TestInitiateFailsOnTruncatedAnswer(t *testing.T) {
	// A receiver that answers with a valid Yb and then hangs up at each point of its answer.
	for _, cut := range []int{0, 50, keyLen, keyLen + 10} {
		a, b := pipePair(t)
		go func() {
			var ya [keyLen]byte
			io.ReadFull(b, ya[:])
			_, yb, _ := newKeyPair(cryptoRandom)
			b.Write(yb[:min(cut, keyLen)])
			if cut > keyLen {
				b.Write(make([]byte, cut-keyLen))
			}
			b.Close()
		}()
		_, _, err := Initiate(context.Background(), a, testInfoHash, AllMethods, btHandshake())
		require.Error(t, err, "cut %d", cut)
	}
}

func TestInitiateStopsWhenContextIsCancelled(t *testing.T) {
	a, b := pipePair(t)
	go io.Copy(io.Discard, b) // a peer that reads and never answers
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, _, err := Initiate(ctx, a, testInfoHash, AllMethods, nil)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestInitiateRejectsBadArguments(t *testing.T) {
	a, _ := pipePair(t)
	_, _, err := Initiate(context.Background(), a, testInfoHash, 0, nil)
	require.ErrorIs(t, err, ErrInvalidArgument)
	_, _, err = Initiate(context.Background(), a, testInfoHash, AllMethods, make([]byte, 70000))
	require.ErrorIs(t, err, ErrInvalidArgument)
}

func TestSelectMethodFollowsLibtorrent(t *testing.T) {
	require.Equal(t, Plaintext, SelectMethod(AllMethods, AllMethods, false))
	require.Equal(t, RC4, SelectMethod(AllMethods, AllMethods, true))
	require.Equal(t, RC4, SelectMethod(CryptoMethods(RC4), AllMethods, false))
	require.Equal(t, Plaintext, SelectMethod(AllMethods, CryptoMethods(Plaintext), true))
	require.Equal(t, CryptoMethod(0), SelectMethod(CryptoMethods(RC4), CryptoMethods(Plaintext), true))
	require.Equal(t, CryptoMethod(0), SelectMethod(0x10, AllMethods, true))
}

func TestSharedSecretAgreesAndRejectsTrivialKeys(t *testing.T) {
	xa, ya, err := newKeyPair(cryptoRandom)
	require.NoError(t, err)
	xb, yb, err := newKeyPair(cryptoRandom)
	require.NoError(t, err)
	sa, err := sharedSecret(xa, yb[:])
	require.NoError(t, err)
	sb, err := sharedSecret(xb, ya[:])
	require.NoError(t, err)
	require.Equal(t, sa, sb)
	for _, bad := range [][]byte{{0}, {1}, dhPrimeMinus.Bytes(), dhPrime.Bytes(), bytes.Repeat([]byte{0xff}, keyLen)} {
		_, err := sharedSecret(xa, bad)
		require.ErrorIs(t, err, ErrBadPublicKey)
	}
}
