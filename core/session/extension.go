package session

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/ext"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/pex"
)

// Extension message ids we assign (BEP 10: each side picks its own). Extensions added with
// AddExtension get ids from firstUserExtID on.
const (
	extHandshakeID   = 0
	extUTPexID       = 1
	extUTMetadataID  = 2
	extDontHaveID    = 3
	firstUserExtID   = 10
	maxExtensionsNum = 200
)

// Extension adds a BEP 10 extension-protocol message to every torrent of a session (the
// plug-in API is core/ext's; ut_pex, core/pex, is built on it). Its methods run on the torrent's
// goroutine and must not block.
type Extension = ext.Extension

// PeerExtension is one extension's state for one peer.
type PeerExtension = ext.PeerExtension

// ExtensionPeer is what an extension may do with its peer.
type ExtensionPeer = ext.Peer

// extensionPeer is the session's ext.Peer: one peer of one torrent, for one extension. Its
// methods run on the torrent's goroutine.
type extensionPeer struct {
	t    *Torrent
	p    *peerConn
	name string
}

func (e *extensionPeer) Addr() netip.AddrPort        { return e.p.addr }
func (e *extensionPeer) InfoHash() metainfo.InfoHash { return e.t.infoHash }
func (e *extensionPeer) Private() bool               { return e.t.private() }

func (e *extensionPeer) Send(payload []byte) {
	id := e.p.extIDs[e.name]
	if id <= 0 || id > 255 {
		return
	}
	e.p.send(func(buf []byte) []byte { return peerwire.AppendExtended(buf, uint8(id), payload) })
}

func (e *extensionPeer) Disconnect(reason error) { e.t.dropPeer(e.p, reason, true) }

func (e *extensionPeer) Swarm() []ext.SwarmPeer {
	var out []ext.SwarmPeer
	for q := range e.t.peers {
		if q == e.p {
			continue
		}
		if a, ok := q.pexAddr(); ok {
			out = append(out, ext.SwarmPeer{Addr: a, Seed: q.has.Len() > 0 && q.has.All() || q.uploadOnly, Outgoing: !q.incoming})
		}
	}
	return out
}

func (e *extensionPeer) AddPeers(addrs []netip.AddrPort) {
	t := e.t
	for _, a := range addrs {
		if t.isBanned(a) || len(t.candidates) >= maxCandidates {
			continue
		}
		if _, known := t.candidates[a]; !known {
			t.candidates[a] = sourcePEX
		}
	}
	t.connectPeers()
}

// pexAddr is the address other peers can reach p at: the one we dialled, or for an incoming
// peer its IP with the listen port from its extended handshake.
func (p *peerConn) pexAddr() (netip.AddrPort, bool) {
	if !p.incoming {
		return p.addr, true
	}
	if p.listenPort != 0 {
		return netip.AddrPortFrom(p.addr.Addr(), p.listenPort), true
	}
	return netip.AddrPort{}, false
}

type registeredExtension struct {
	id  uint8
	ext Extension
}

// AddExtension registers an extension for torrents added after this call.
func (s *Session) AddExtension(ext Extension) error {
	if ext == nil || ext.Name() == "" {
		return fmt.Errorf("%w: extension without a name", ErrInvalidArgument)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.extensions) >= maxExtensionsNum {
		return fmt.Errorf("%w: too many extensions", ErrInvalidArgument)
	}
	for _, r := range s.extensions {
		if r.ext.Name() == ext.Name() {
			return fmt.Errorf("%w: extension %q is already registered", ErrInvalidArgument, ext.Name())
		}
	}
	s.extensions = append(s.extensions, registeredExtension{id: uint8(firstUserExtID + len(s.extensions) - len(builtinExtensions)), ext: ext})
	return nil
}

// builtinExtensions are registered in every session.
var builtinExtensions = []registeredExtension{{id: extUTPexID, ext: pex.Extension{}}}

func (s *Session) extensionList() []registeredExtension {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.extensions
}

func (t *Torrent) private() bool { return t.meta != nil && t.meta.Info.Private }

func appendExtendedHandshake(buf []byte, t *Torrent, p *peerConn) []byte {
	m := map[string]int{"ut_metadata": extUTMetadataID, "lt_donthave": extDontHaveID}
	for _, r := range t.s.extensionList() {
		m[r.ext.Name()] = int(r.id)
	}
	if t.private() {
		delete(m, "ut_pex")
	}
	hs := peerwire.ExtendedHandshake{
		M:    m,
		V:    "libbt/" + Version,
		Reqq: ourReqq,
		P:    t.s.ListenPort(),
	}
	if t.meta != nil && !t.private() {
		hs.MetadataSize = len(t.meta.InfoBytes)
	}
	if t.state == StateSeeding || t.state == StateFinished {
		hs.UploadOnly = 1 // BEP 21
	}
	if a := p.addr.Addr(); a.Is4() {
		b := a.As4()
		hs.YourIP = b[:]
	} else {
		b := a.As16()
		hs.YourIP = b[:]
	}
	payload, err := hs.Marshal()
	if err != nil {
		return buf
	}
	return peerwire.AppendMessage(buf, &peerwire.Message{ID: peerwire.Extended, ExtendedID: extHandshakeID, Payload: payload})
}

func (t *Torrent) onExtended(p *peerConn, id uint8, payload []byte) error {
	if !p.extended {
		return protocolError("extended message without the extension protocol")
	}
	switch id {
	case extHandshakeID:
		return t.onExtendedHandshake(p, payload)
	case extUTMetadataID:
		return t.onMetadataMessage(p, payload)
	case extDontHaveID:
		return t.onDontHave(p, payload)
	}
	if pe := p.exts[id]; pe != nil {
		return pe.Message(payload)
	}
	return nil // an extension we did not offer to this peer: ignore
}

func (t *Torrent) onExtendedHandshake(p *peerConn, payload []byte) error {
	hs, err := peerwire.ParseExtendedHandshake(payload)
	if err != nil {
		return protocolError("extended handshake: %v", err)
	}
	p.extIDs = hs.M
	if hs.Reqq > 0 {
		p.maxRequests = hs.Reqq
	}
	if hs.P > 0 && hs.P < 65536 {
		p.listenPort = uint16(hs.P)
	}
	p.uploadOnly = hs.UploadOnly != 0
	if len(hs.V) <= 64 {
		p.client = hs.V
	}
	if p.uploadOnly && (t.state == StateSeeding || t.state == StateFinished) {
		return errors.New("both sides are upload-only")
	}
	// A second handshake may change the ids; restart every extension.
	for _, pe := range p.exts {
		pe.Close()
	}
	p.exts = nil
	for _, r := range t.s.extensionList() {
		if hs.M[r.ext.Name()] == 0 {
			continue
		}
		if pe := r.ext.NewPeer(&extensionPeer{t: t, p: p, name: r.ext.Name()}); pe != nil {
			if p.exts == nil {
				p.exts = map[uint8]PeerExtension{}
			}
			p.exts[r.id] = pe
		}
	}
	return t.onMetadataHandshake(p, hs.MetadataSize)
}

// onDontHave handles lt_donthave (BEP 54): the peer lost a piece it announced.
func (t *Torrent) onDontHave(p *peerConn, payload []byte) error {
	if len(payload) != 4 {
		return protocolError("lt_donthave with %d bytes", len(payload))
	}
	if t.meta == nil {
		return nil
	}
	i := int(uint32(payload[0])<<24 | uint32(payload[1])<<16 | uint32(payload[2])<<8 | uint32(payload[3]))
	if i >= t.meta.Info.NumPieces() {
		return protocolError("lt_donthave for piece %d of %d", i, t.meta.Info.NumPieces())
	}
	if !p.has.Has(i) {
		return nil
	}
	if p.registeredAll {
		// The picker counts seeds apart: turn the seed into an ordinary peer first.
		t.picker.PeerLostAll()
		p.registeredAll = false
		t.picker.PeerHasBitfield(p.has)
	}
	p.has.Clear(i)
	t.picker.PeerLostPiece(i)
	// Requests for that piece will never be served.
	for _, b := range p.out.DropPiece(i, nil) {
		t.picker.Cancelled(p.key, b)
	}
	t.updateInterest(p)
	return nil
}

func (t *Torrent) tickExtensions(now time.Time) {
	t.tickMetadata(now)
	for p := range t.peers {
		for _, pe := range p.exts {
			pe.Tick(now)
		}
	}
}

func (t *Torrent) closeExtensions(p *peerConn) {
	for _, pe := range p.exts {
		pe.Close()
	}
	p.exts = nil
}
