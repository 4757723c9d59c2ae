package session

// Protocol encryption (MSE/PE, core/mse) on the session's connections. Settings, named and
// numbered as in libtorrent:
//   out_enc_policy, in_enc_policy: 0 forced (MSE only), 1 enabled (both; outgoing tries MSE
//     first and retries in plaintext if the encrypted handshake fails, remembering per peer
//     that plaintext worked), 2 disabled (plaintext only)
//   allowed_enc_level: 1 plaintext after the handshake, 2 RC4, 3 both (what we provide and select)
//   prefer_rc4: select RC4 when a peer offers both
// The policies, the fallback and the memory of plaintext peers are core/mse's (policy.go); this
// file wires them to the session's settings, torrents and sockets.

import (
	"context"
	"net"
	"net/netip"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/mse"
	"github.com/libbt/libbt/core/peerwire"
)

// allowedMethods is allowed_enc_level as a method set (1 plaintext, 2 RC4, 3 both).
func (s *Session) allowedMethods() mse.CryptoMethods {
	return mse.CryptoMethods(s.conf().AllowedEncLevel) & mse.AllMethods
}

// dial connects to a peer and does the handshake as out_enc_policy says; it runs on its own
// goroutine. The connection is a *mse.Conn when MSE was used (mse.MethodOf tells which method).
func (s *Session) dial(ctx context.Context, addr netip.AddrPort, ih [20]byte) (net.Conn, peerwire.Handshake, error) {
	return mse.Dial(ctx, mse.Policy(s.conf().OutEncPolicy), &s.enc, addr,
		func(ctx context.Context, encrypt bool) (net.Conn, peerwire.Handshake, error) {
			return s.dialConn(ctx, addr, ih, encrypt)
		})
}

// initiateEncrypted runs the MSE handshake on a new outgoing connection, sending our
// BitTorrent handshake inside it; the peer's handshake is then read from the returned stream.
func (s *Session) initiateEncrypted(ctx context.Context, c net.Conn, ih [20]byte) (net.Conn, error) {
	tuneSocket(c)
	return mse.InitiateWrapped(ctx, c, ih, s.allowedMethods(), peerwire.AppendHandshake(nil, s.handshake(ih)))
}

// negotiateIncoming takes an incoming connection's first bytes as in_enc_policy says
// (mse.Negotiate): the stream positioned at the peer's BitTorrent handshake and, after MSE, the
// info-hash the peer proved it knows (nil for plaintext).
func (s *Session) negotiateIncoming(c net.Conn) (net.Conn, *metainfo.InfoHash, error) {
	st := s.conf()
	conn, skey, err := mse.Negotiate(s.ctx, c, mse.Policy(st.InEncPolicy), s.lookupReq2, s.allowedMethods(), st.PreferRC4, tuneSocket)
	if err != nil || skey == nil {
		return conn, nil, err
	}
	ih := metainfo.InfoHash(*skey)
	return conn, &ih, nil
}

// lookupReq2 finds the torrent whose HASH('req2', info-hash) an MSE initiator sent.
func (s *Session) lookupReq2(req2 [20]byte) ([20]byte, bool) {
	s.mu.Lock()
	ihs := make([][20]byte, 0, len(s.torrents))
	for ih := range s.torrents {
		ihs = append(ihs, ih)
	}
	s.mu.Unlock()
	return s.enc.LookupReq2(ihs, req2)
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
