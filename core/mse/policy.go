package mse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
)

// Policy is what to do about encryption on one side (libtorrent's in_enc_policy and
// out_enc_policy: pe_forced, pe_enabled, pe_disabled).
type Policy int

const (
	// Forced: MSE only; a plain BitTorrent handshake is refused.
	Forced Policy = 0
	// Enabled: both. Outgoing tries MSE first and, if the encrypted handshake fails, retries in
	// plaintext, remembering per peer that plaintext worked (Memory).
	Enabled Policy = 1
	// Disabled: plain BitTorrent only.
	Disabled Policy = 2
)

var (
	// ErrEncryptedHandshake marks an MSE handshake that failed on an established connection;
	// with Enabled the peer is then tried in plaintext.
	ErrEncryptedHandshake = errors.New("encrypted handshake failed")
	ErrPlaintextRefused   = errors.New("plaintext connection refused (in_enc_policy forced)")
	ErrEncryptedRefused   = errors.New("encrypted connection refused (in_enc_policy disabled)")
)

// MaxPlaintextPeers bounds Memory's peers that only speak plaintext.
const MaxPlaintextPeers = 4096

// Memory is what a client remembers across connections: outgoing peers with which MSE failed
// and plaintext worked (at most MaxPlaintextPeers), and the HASH('req2', SKEY) of each info-hash
// an incoming MSE handshake may name. Safe for concurrent use.
type Memory struct {
	mu        sync.Mutex
	plaintext map[netip.AddrPort]struct{}
	req2      map[[20]byte][20]byte // info-hash -> HASH('req2', info-hash), memoised
}

// PlaintextWorked reports whether plaintext worked with addr after MSE failed.
func (e *Memory) PlaintextWorked(addr netip.AddrPort) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.plaintext[addr]
	return ok
}

// RememberPlaintext notes that plaintext worked with addr.
func (e *Memory) RememberPlaintext(addr netip.AddrPort) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.plaintext == nil {
		e.plaintext = map[netip.AddrPort]struct{}{}
	}
	if len(e.plaintext) >= MaxPlaintextPeers {
		for k := range e.plaintext { // forget an arbitrary one: worst case one more MSE try
			delete(e.plaintext, k)
			break
		}
	}
	e.plaintext[addr] = struct{}{}
}

// ForgetPlaintext drops addr from the plaintext peers.
func (e *Memory) ForgetPlaintext(addr netip.AddrPort) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.plaintext, addr)
}

// LookupReq2 finds, among skeys (the info-hashes a listener serves now), the one whose
// HASH('req2', SKEY) an initiator sent. Hashes are memoised; those of skeys no longer listed
// are dropped when the memo grows past twice the list.
func (e *Memory) LookupReq2(skeys [][20]byte, req2 [20]byte) ([20]byte, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.req2 == nil || len(e.req2) > 2*len(skeys)+16 {
		e.req2 = make(map[[20]byte][20]byte, len(skeys))
	}
	for _, ih := range skeys {
		h, ok := e.req2[ih]
		if !ok {
			h = Req2Hash(ih)
			e.req2[ih] = h
		}
		if h == req2 {
			return ih, true
		}
	}
	return [20]byte{}, false
}

// Dial connects as policy says with dial, which opens a connection to addr and does the
// BitTorrent handshake, inside MSE when encrypt is set (wrapping an MSE failure in
// ErrEncryptedHandshake). With Enabled, MSE is tried first and plaintext after an
// encrypted-handshake failure; a peer with which plaintext worked is dialled in plaintext first
// (and forgotten when that fails). It runs on the caller's goroutine.
func Dial[H any](ctx context.Context, policy Policy, mem *Memory, addr netip.AddrPort,
	dial func(ctx context.Context, encrypt bool) (net.Conn, H, error)) (net.Conn, H, error) {
	if policy == Disabled {
		return dial(ctx, false)
	}
	if policy == Enabled && mem.PlaintextWorked(addr) {
		c, h, err := dial(ctx, false)
		if err != nil && ctx.Err() == nil {
			mem.ForgetPlaintext(addr) // it may have turned to forced encryption: MSE next time
		}
		return c, h, err
	}
	c, h, err := dial(ctx, true)
	if err == nil || policy == Forced || !errors.Is(err, ErrEncryptedHandshake) || ctx.Err() != nil {
		return c, h, err
	}
	c, h, err = dial(ctx, false)
	if err == nil {
		mem.RememberPlaintext(addr)
	}
	return c, h, err
}

// InitiateWrapped is Initiate with a failure wrapped in ErrEncryptedHandshake (Dial's signal to
// fall back to plaintext).
func InitiateWrapped(ctx context.Context, conn net.Conn, skey [20]byte, provide CryptoMethods, initialPayload []byte) (net.Conn, error) {
	ec, _, err := Initiate(ctx, conn, skey, provide, initialPayload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrEncryptedHandshake, err)
	}
	return ec, nil
}

// Negotiate looks at the first bytes of an incoming connection: a plain BitTorrent handshake is
// taken unless policy is Forced; anything else goes through MSE (Accept), refused when policy is
// Disabled. It returns the stream positioned at the peer's BitTorrent handshake and, after MSE,
// the SKEY (info-hash) the peer proved it knows (nil for plaintext). beforeMSE, if set, runs on
// the raw connection before the MSE handshake (socket tuning). It runs on the caller's
// goroutine.
func Negotiate(ctx context.Context, c net.Conn, policy Policy, lookup func(req2 [20]byte) ([20]byte, bool),
	allowed CryptoMethods, preferRC4 bool, beforeMSE func(net.Conn)) (net.Conn, *[20]byte, error) {
	first := make([]byte, PeekLen)
	if _, err := io.ReadFull(c, first); err != nil {
		return nil, nil, err
	}
	if IsPlaintextHandshake(first) {
		if policy == Forced {
			return nil, nil, ErrPlaintextRefused
		}
		return PrefixConn(c, first), nil, nil
	}
	if policy == Disabled {
		return nil, nil, ErrEncryptedRefused
	}
	if beforeMSE != nil {
		beforeMSE(c)
	}
	ec, _, skey, ia, err := Accept(ctx, PrefixConn(c, first), lookup, allowed, preferRC4)
	if err != nil {
		return nil, nil, err
	}
	return PrefixConn(ec, ia), &skey, nil
}
