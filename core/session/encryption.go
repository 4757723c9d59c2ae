package session

// Protocol encryption (MSE/PE, core/mse) on the session's connections. Settings, named and
// numbered as in libtorrent:
//   out_enc_policy, in_enc_policy: 0 forced (MSE only), 1 enabled (both; outgoing tries MSE
//     first and retries in plaintext if the encrypted handshake fails, remembering per peer
//     that plaintext worked), 2 disabled (plaintext only)
//   allowed_enc_level: 1 plaintext after the handshake, 2 RC4, 3 both (what we provide and select)
//   prefer_rc4: select RC4 when a peer offers both

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/mse"
	"github.com/libbt/libbt/core/peerwire"
)

// Encryption policies (in_enc_policy, out_enc_policy), libtorrent's pe_forced, pe_enabled,
// pe_disabled, are settings.EncForced, EncEnabled, EncDisabled (settings.go).

var (
	// errEncryptedHandshake marks an MSE handshake that failed on an established TCP
	// connection; with out_enc_policy enabled the peer is then tried in plaintext.
	errEncryptedHandshake = errors.New("encrypted handshake failed")
	errPlaintextRefused   = errors.New("plaintext connection refused (in_enc_policy forced)")
	errEncryptedRefused   = errors.New("encrypted connection refused (in_enc_policy disabled)")
)

// maxPlaintextPeers bounds the memory of peers that only speak plaintext.
const maxPlaintextPeers = 4096

// encryptionState is the session's encryption memory; safe for concurrent use.
type encryptionState struct {
	mu        sync.Mutex
	plaintext map[netip.AddrPort]struct{}    // outgoing: MSE failed, plaintext worked
	req2      map[metainfo.InfoHash][20]byte // HASH('req2', info-hash) per torrent, memoised
}

func (e *encryptionState) plaintextWorked(addr netip.AddrPort) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.plaintext[addr]
	return ok
}

func (e *encryptionState) rememberPlaintext(addr netip.AddrPort) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.plaintext == nil {
		e.plaintext = map[netip.AddrPort]struct{}{}
	}
	if len(e.plaintext) >= maxPlaintextPeers {
		for k := range e.plaintext { // forget an arbitrary one: worst case one more MSE try
			delete(e.plaintext, k)
			break
		}
	}
	e.plaintext[addr] = struct{}{}
}

func (e *encryptionState) forgetPlaintext(addr netip.AddrPort) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.plaintext, addr)
}

// allowedMethods is allowed_enc_level as a method set (1 plaintext, 2 RC4, 3 both).
func (s *Session) allowedMethods() mse.CryptoMethods {
	return mse.CryptoMethods(s.conf().AllowedEncLevel) & mse.AllMethods
}

// dial connects to a peer and does the handshake as out_enc_policy says; it runs on its own
// goroutine. The connection is a *mse.Conn when MSE was used (mse.MethodOf tells which method).
func (s *Session) dial(ctx context.Context, addr netip.AddrPort, ih [20]byte) (net.Conn, peerwire.Handshake, error) {
	policy := s.conf().OutEncPolicy
	if policy == encDisabled {
		return s.dialConn(ctx, addr, ih, false)
	}
	if policy == encEnabled && s.enc.plaintextWorked(addr) {
		c, h, err := s.dialConn(ctx, addr, ih, false)
		if err != nil && ctx.Err() == nil {
			s.enc.forgetPlaintext(addr) // it may have turned to forced encryption: MSE next time
		}
		return c, h, err
	}
	c, h, err := s.dialConn(ctx, addr, ih, true)
	if err == nil || policy == encForced || !errors.Is(err, errEncryptedHandshake) || ctx.Err() != nil {
		return c, h, err
	}
	c, h, err = s.dialConn(ctx, addr, ih, false)
	if err == nil {
		s.enc.rememberPlaintext(addr)
	}
	return c, h, err
}

// initiateEncrypted runs the MSE handshake on a new outgoing connection, sending our
// BitTorrent handshake inside it; the peer's handshake is then read from the returned stream.
func (s *Session) initiateEncrypted(ctx context.Context, c net.Conn, ih [20]byte) (net.Conn, error) {
	tuneSocket(c)
	ec, _, err := mse.Initiate(ctx, c, ih, s.allowedMethods(), peerwire.AppendHandshake(nil, s.handshake(ih)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errEncryptedHandshake, err)
	}
	return ec, nil
}

// negotiateIncoming looks at the first bytes of an incoming connection: a plain BitTorrent
// handshake is taken unless in_enc_policy is forced; anything else goes through MSE, refused
// when in_enc_policy is disabled. It returns the stream positioned at the peer's BitTorrent
// handshake and, after MSE, the info-hash the peer proved it knows (nil for plaintext).
func (s *Session) negotiateIncoming(c net.Conn) (net.Conn, *metainfo.InfoHash, error) {
	first := make([]byte, mse.PeekLen)
	if _, err := io.ReadFull(c, first); err != nil {
		return nil, nil, err
	}
	policy := s.conf().InEncPolicy
	if mse.IsPlaintextHandshake(first) {
		if policy == encForced {
			return nil, nil, errPlaintextRefused
		}
		return mse.PrefixConn(c, first), nil, nil
	}
	if policy == encDisabled {
		return nil, nil, errEncryptedRefused
	}
	tuneSocket(c)
	ec, _, skey, ia, err := mse.Accept(s.ctx, mse.PrefixConn(c, first), s.lookupReq2, s.allowedMethods(), s.conf().PreferRC4)
	if err != nil {
		return nil, nil, err
	}
	ih := metainfo.InfoHash(skey)
	return mse.PrefixConn(ec, ia), &ih, nil
}

// lookupReq2 finds the torrent whose HASH('req2', info-hash) an MSE initiator sent.
func (s *Session) lookupReq2(req2 [20]byte) ([20]byte, bool) {
	s.mu.Lock()
	ihs := make([]metainfo.InfoHash, 0, len(s.torrents))
	for ih := range s.torrents {
		ihs = append(ihs, ih)
	}
	s.mu.Unlock()
	e := &s.enc
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.req2 == nil || len(e.req2) > 2*len(ihs)+16 {
		e.req2 = make(map[metainfo.InfoHash][20]byte, len(ihs)) // drop removed torrents
	}
	for _, ih := range ihs {
		h, ok := e.req2[ih]
		if !ok {
			h = mse.Req2Hash(ih)
			e.req2[ih] = h
		}
		if h == req2 {
			return ih, true
		}
	}
	return [20]byte{}, false
}

// tuneSocket gives a TCP connection the buffers newPeerConn gives plain ones (it cannot see
// the TCP connection under an mse.Conn).
func tuneSocket(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetReadBuffer(4 << 20)
		tc.SetWriteBuffer(4 << 20)
		tc.SetNoDelay(true)
	}
}

// encryption is how the connection was negotiated: 0 plain BitTorrent, mse.Plaintext an
// obfuscated handshake with a plaintext stream, mse.RC4 an encrypted stream. p.conn is set once
// at creation, so any goroutine may ask.
func (p *peerConn) encryption() mse.CryptoMethod { return mse.MethodOf(p.conn) }
