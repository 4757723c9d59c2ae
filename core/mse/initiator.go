package mse

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
)

// Initiate runs the outgoing side of the handshake on conn for the torrent whose info-hash is
// skey, offering the methods in provide, and sends initialPayload (normally the 68-byte
// BitTorrent handshake, at most 65535 bytes) encrypted inside the handshake. It returns a *Conn
// that encrypts and decrypts with RC4 if the peer selected RC4, or passes bytes through if it
// selected plaintext, and the selected method.
//
// Cancelling ctx aborts the handshake (by setting a past deadline on conn); deadlines already
// set on conn apply as usual and are left alone otherwise. On error the caller closes conn;
// nothing of initialPayload has been sent unencrypted.
func Initiate(ctx context.Context, conn net.Conn, skey [20]byte, provide CryptoMethods, initialPayload []byte) (net.Conn, CryptoMethod, error) {
	c, m, err := initiate(ctx, conn, skey, provide, initialPayload, cryptoRandom)
	if err != nil {
		return nil, 0, err
	}
	return c, m, nil
}

func initiate(ctx context.Context, conn net.Conn, skey [20]byte, provide CryptoMethods, ia []byte, random func([]byte) error) (*Conn, CryptoMethod, error) {
	provide &= AllMethods
	if provide == 0 {
		return nil, 0, fmt.Errorf("%w: no crypto method to provide", ErrInvalidArgument)
	}
	if len(ia) > 0xffff {
		return nil, 0, fmt.Errorf("%w: initial payload of %d bytes (at most 65535)", ErrInvalidArgument, len(ia))
	}
	h := newHandshake(ctx, conn, random)

	// 1. A->B: Ya, PadA.
	x, ya, err := newKeyPair(random)
	if err != nil {
		return nil, 0, h.fail("key", err)
	}
	padA, err := h.randomPadLen()
	if err != nil {
		return nil, 0, h.fail("pad", err)
	}
	msg1 := make([]byte, keyLen+padA)
	copy(msg1, ya[:])
	if err := random(msg1[keyLen:]); err != nil {
		return nil, 0, h.fail("pad", err)
	}
	h.send(msg1)

	// 2. B->A: Yb, PadB (PadB is skipped while synchronising on the VC below).
	var yb [keyLen]byte
	if err := h.readFull(yb[:]); err != nil {
		return nil, 0, h.fail("read Yb", err)
	}
	s, err := sharedSecret(x, yb[:])
	if err != nil {
		return nil, 0, h.fail("read Yb", err)
	}
	enc := newCipher("keyA", s, skey)
	dec := newCipher("keyB", s, skey)

	// 3. A->B: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S),
	//    ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA).
	padC, err := h.randomPadLen()
	if err != nil {
		return nil, 0, h.fail("pad", err)
	}
	msg3 := make([]byte, 0, 40+vcLen+4+2+padC+2+len(ia))
	req1 := hash([]byte("req1"), s[:])
	req2 := Req2Hash(skey)
	req3 := hash([]byte("req3"), s[:])
	msg3 = append(msg3, req1[:]...)
	for i := range req2 {
		msg3 = append(msg3, req2[i]^req3[i])
	}
	msg3 = append(msg3, make([]byte, vcLen)...)
	msg3 = binary.BigEndian.AppendUint32(msg3, uint32(provide))
	msg3 = binary.BigEndian.AppendUint16(msg3, uint16(padC))
	msg3 = append(msg3, make([]byte, padC)...)
	msg3 = binary.BigEndian.AppendUint16(msg3, uint16(len(ia)))
	msg3 = append(msg3, ia...)
	enc.XORKeyStream(msg3[40:], msg3[40:])
	h.send(msg3)

	// 4. B->A: ENCRYPT(VC, crypto_select, len(PadD), PadD). The encrypted VC is the first 8
	//    bytes of B's key stream; finding it consumes them from dec.
	var vc [vcLen]byte
	dec.XORKeyStream(vc[:], vc[:])
	if err := h.sync(vc[:], maxPad+vcLen); err != nil {
		return nil, 0, h.fail("find VC", err)
	}
	var sel [6]byte
	if err := h.readFull(sel[:]); err != nil {
		return nil, 0, h.fail("read crypto_select", err)
	}
	dec.XORKeyStream(sel[:], sel[:])
	method := CryptoMethod(binary.BigEndian.Uint32(sel[:4]))
	if (method != Plaintext && method != RC4) || !provide.Has(method) {
		return nil, 0, h.fail("crypto_select", fmt.Errorf("%w: %#x for %s", ErrBadSelect, uint32(method), provide))
	}
	padD := int(binary.BigEndian.Uint16(sel[4:]))
	if padD > maxPad {
		return nil, 0, h.fail("PadD", fmt.Errorf("%w: %d", ErrPadTooLong, padD))
	}
	if err := h.discard(padD, dec); err != nil {
		return nil, 0, h.fail("read PadD", err)
	}
	c, err := h.finish(method, enc, dec)
	if err != nil {
		return nil, 0, err
	}
	return c, method, nil
}
