package mse

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
)

// Accept runs the incoming side of the handshake on conn. lookup is given HASH('req2', SKEY)
// from the initiator and returns the info-hash it belongs to (see Req2Hash and LookupList);
// a false answer refuses the connection with ErrUnknownInfoHash. allowed limits the methods
// the receiver selects from, preferRC4 picks RC4 when both are possible (SelectMethod).
//
// It returns the stream (a *Conn), the selected method, the torrent's info-hash and the
// initiator's initial payload (normally its BitTorrent handshake; it may be empty or partial,
// the rest then follows on the stream). Cancelling ctx aborts as for Initiate; on error the
// caller closes conn.
func Accept(ctx context.Context, conn net.Conn, lookup func(req2 [20]byte) ([20]byte, bool), allowed CryptoMethods, preferRC4 bool) (net.Conn, CryptoMethod, [20]byte, []byte, error) {
	c, m, skey, ia, err := accept(ctx, conn, lookup, allowed, preferRC4, cryptoRandom)
	if err != nil {
		return nil, 0, skey, nil, err
	}
	return c, m, skey, ia, nil
}

func accept(ctx context.Context, conn net.Conn, lookup func([20]byte) ([20]byte, bool), allowed CryptoMethods, preferRC4 bool, random func([]byte) error) (*Conn, CryptoMethod, [20]byte, []byte, error) {
	var skey [20]byte
	allowed &= AllMethods
	if allowed == 0 {
		return nil, 0, skey, nil, fmt.Errorf("%w: no crypto method allowed", ErrInvalidArgument)
	}
	h := newHandshake(ctx, conn, random)

	// 1. A->B: Ya, PadA (PadA is skipped while synchronising on HASH('req1', S)).
	var ya [keyLen]byte
	if err := h.readFull(ya[:]); err != nil {
		return nil, 0, skey, nil, h.fail("read Ya", err)
	}
	x, yb, err := newKeyPair(random)
	if err != nil {
		return nil, 0, skey, nil, h.fail("key", err)
	}
	s, err := sharedSecret(x, ya[:])
	if err != nil {
		return nil, 0, skey, nil, h.fail("read Ya", err)
	}

	// 2. B->A: Yb, PadB.
	padB, err := h.randomPadLen()
	if err != nil {
		return nil, 0, skey, nil, h.fail("pad", err)
	}
	msg2 := make([]byte, keyLen+padB)
	copy(msg2, yb[:])
	if err := random(msg2[keyLen:]); err != nil {
		return nil, 0, skey, nil, h.fail("pad", err)
	}
	h.send(msg2)

	// 3. A->B: HASH('req1', S), HASH('req2', SKEY) xor HASH('req3', S),
	//    ENCRYPT(VC, crypto_provide, len(PadC), PadC, len(IA)), ENCRYPT(IA).
	req1 := hash([]byte("req1"), s[:])
	if err := h.sync(req1[:], maxPad+len(req1)); err != nil {
		return nil, 0, skey, nil, h.fail("find HASH('req1', S)", err)
	}
	var head [20 + vcLen + 4 + 2]byte
	if err := h.readFull(head[:]); err != nil {
		return nil, 0, skey, nil, h.fail("read SKEY hash", err)
	}
	req2 := hash([]byte("req3"), s[:])
	for i := range req2 {
		req2[i] ^= head[i]
	}
	skey, ok := lookup(req2)
	if !ok {
		return nil, 0, skey, nil, h.fail("SKEY", ErrUnknownInfoHash)
	}
	dec := newCipher("keyA", s, skey)
	enc := newCipher("keyB", s, skey)
	rest := head[20:]
	dec.XORKeyStream(rest, rest)
	for _, b := range rest[:vcLen] {
		if b != 0 {
			return nil, 0, skey, nil, h.fail("VC", ErrBadVC)
		}
	}
	provided := CryptoMethods(binary.BigEndian.Uint32(rest[vcLen:]))
	padC := int(binary.BigEndian.Uint16(rest[vcLen+4:]))
	if padC > maxPad {
		return nil, 0, skey, nil, h.fail("PadC", fmt.Errorf("%w: %d", ErrPadTooLong, padC))
	}
	if err := h.discard(padC, dec); err != nil {
		return nil, 0, skey, nil, h.fail("read PadC", err)
	}
	var iaLen [2]byte
	if err := h.readFull(iaLen[:]); err != nil {
		return nil, 0, skey, nil, h.fail("read len(IA)", err)
	}
	dec.XORKeyStream(iaLen[:], iaLen[:])
	ia := make([]byte, binary.BigEndian.Uint16(iaLen[:]))
	if err := h.readFull(ia); err != nil {
		return nil, 0, skey, nil, h.fail("read IA", err)
	}
	dec.XORKeyStream(ia, ia)
	method := SelectMethod(provided, allowed, preferRC4)
	if method == 0 {
		return nil, 0, skey, nil, h.fail("crypto_provide", fmt.Errorf("%w: peer offers %s, we allow %s", ErrNoCommonMethod, provided, allowed))
	}

	// 4. B->A: ENCRYPT(VC, crypto_select, len(PadD), PadD).
	padD, err := h.randomPadLen()
	if err != nil {
		return nil, 0, skey, nil, h.fail("pad", err)
	}
	msg4 := make([]byte, vcLen, vcLen+4+2+padD)
	msg4 = binary.BigEndian.AppendUint32(msg4, uint32(method))
	msg4 = binary.BigEndian.AppendUint16(msg4, uint16(padD))
	msg4 = append(msg4, make([]byte, padD)...)
	enc.XORKeyStream(msg4, msg4)
	h.send(msg4)
	c, err := h.finish(method, enc, dec)
	if err != nil {
		return nil, 0, skey, nil, err
	}
	return c, method, skey, ia, nil
}
