package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/ext"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/shrink"
)

// errProtocol marks a peer that broke the protocol; it is disconnected with a peer_error alert.
var errProtocol = ext.ErrProtocol // extensions (core/ext) return it too

func protocolError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errProtocol, fmt.Sprintf(format, args...))
}

func isProtocolError(err error) bool {
	if errors.Is(err, errProtocol) {
		return true
	}
	// Framing errors from the codec (oversized or malformed messages) are the peer's fault;
	// EOF and socket errors are not.
	var ne net.Error
	return err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) &&
		!errors.Is(err, net.ErrClosed) && !errors.As(err, &ne) && !isConnReset(err)
}

// addPeer takes a connection whose handshake is done. counted says the session's connection
// count already includes it (outgoing connections are counted when dialling).
func (t *Torrent) addPeer(c net.Conn, h peerwire.Handshake, incoming bool, src peerSource) {
	reject := func() {
		c.Close()
		if !incoming {
			t.s.numConns.Add(-1)
		}
	}
	if t.stopped.Load() || t.paused || t.state == StateError {
		reject()
		return
	}
	if t.state == StateCheckingFiles {
		// Keep the connection until the check is over rather than resetting a peer that
		// merely came early (libtorrent would not retry it for a minute).
		if len(t.parked) >= maxParkedPeers {
			reject()
			return
		}
		t.parked = append(t.parked, parkedPeer{c, h, incoming, src})
		return
	}
	for q := range t.peers {
		if q.peerID != h.PeerID {
			continue
		}
		if q.incoming == incoming || keepNewDuplicate(t.s.peerID, h.PeerID, incoming) {
			// Same direction: the peer reconnected and the old connection is stale.
			t.dropPeer(q, errors.New("replaced by a new connection from the same peer"), false)
		} else {
			reject()
			return
		}
	}
	if incoming {
		if int(t.s.numConns.Load()) >= t.s.conf().ConnectionsLimit {
			c.Close()
			return
		}
		t.s.numConns.Add(1)
	}
	t.nextPeerKey++
	p := newPeerConn(t, c, h, incoming, t.nextPeerKey)
	p.source = src
	if t.isBanned(p.addr) {
		c.Close()
		t.s.numConns.Add(-1)
		return
	}
	shrink.Set(&t.peers, p, struct{}{})
	if t.meta != nil {
		p.has = bitfield.New(t.meta.Info.NumPieces())
	}
	t.goSafely("peer writer", p.wire.WriteLoop)
	t.goSafely("peer reader", p.wire.ReadLoop)

	if p.extended {
		p.send(func(buf []byte) []byte { return appendExtendedHandshake(buf, t, p) })
	}
	t.sendHaveState(p)
	t.sendDHTPort(p)
	t.s.alerts.push(Alert{Type: AlertPeerConnected, Torrent: t, InfoHash: t.infoHash, Endpoint: p.addr.String(),
		Message: fmt.Sprintf("%s: connected to %s", t.name, p.addr)})
	if t.choker.Slots < 0 {
		t.unchoke(p)
	}
	t.publish()
}

const maxParkedPeers = 50

// parkedPeer is a connection that arrived while the torrent was checking its files.
type parkedPeer struct {
	conn     net.Conn
	h        peerwire.Handshake
	incoming bool
	src      peerSource
}

// unparkPeers adds the connections that waited for a check, or closes them if the torrent
// cannot take peers now.
func (t *Torrent) unparkPeers() {
	parked := t.parked
	t.parked = nil
	for _, pp := range parked {
		t.addPeer(pp.conn, pp.h, pp.incoming, pp.src)
	}
}

// keepNewDuplicate settles a simultaneous open (one incoming and one outgoing connection with
// the same peer) the way libtorrent does, so both ends close the same one: the peer with the
// greater id is the one allowed to initiate.
func keepNewDuplicate(ours, theirs [20]byte, newIncoming bool) bool {
	weInitiate := bytes.Compare(ours[:], theirs[:]) > 0
	return weInitiate == !newIncoming
}

// sendHaveState tells a new peer what we have: have_all/have_none with the fast extension, a
// bitfield otherwise (nothing at all when we have nothing and the peer lacks BEP 6).
func (t *Torrent) sendHaveState(p *peerConn) {
	if t.meta == nil || t.state == StateCheckingFiles || t.superSeeding() {
		if p.fast {
			p.sendMessage(&peerwire.Message{ID: peerwire.HaveNone})
		}
		if t.superSeeding() {
			t.superOffer(p)
		}
		return
	}
	switch {
	case p.fast && t.have.All():
		p.sendMessage(&peerwire.Message{ID: peerwire.HaveAll})
	case p.fast && t.have.None():
		p.sendMessage(&peerwire.Message{ID: peerwire.HaveNone})
	case !t.have.None():
		p.sendMessage(&peerwire.Message{ID: peerwire.Bitfield, Bitfield: t.have.Bytes()})
	}
}

// dropPeer disconnects a peer and returns its requests to the picker.
func (t *Torrent) dropPeer(p *peerConn, reason error, violation bool) {
	if p.closed {
		return
	}
	p.closed = true
	p.closeConn()
	delete(t.peers, p)
	t.s.numConns.Add(-1)
	if t.picker != nil {
		t.picker.PeerGone(p.key)
		t.unregisterPieces(p)
	}
	t.metadataPeerGone(p)
	t.closeExtensions(p)
	t.choker.Forget(uint64(p.key))
	if violation {
		t.s.alerts.push(Alert{Type: AlertPeerError, Torrent: t, InfoHash: t.infoHash, Endpoint: p.addr.String(), Err: reason,
			Message: fmt.Sprintf("%s: peer %s: %v", t.name, p.addr, reason)})
	}
	t.s.alerts.push(Alert{Type: AlertPeerDisconnected, Torrent: t, InfoHash: t.infoHash, Endpoint: p.addr.String(), Err: reason,
		Message: fmt.Sprintf("%s: disconnected from %s: %v", t.name, p.addr, reason)})
	// A peer we dialled and that left without misbehaving may be worth another try later,
	// unless both sides are done.
	if !p.incoming && !violation && !t.isBanned(p.addr) && t.state == StateDownloading && t.ctx.Err() == nil {
		t.retryLater(p.addr, sourceUser)
	}
	// Others may be able to use the freed requests right away.
	for q := range t.peers {
		t.fillRequests(q)
	}
}

func (t *Torrent) closeAllPeers(reason string) {
	for p := range t.peers {
		t.dropPeer(p, errors.New(reason), false)
	}
}

// onMessage handles one message from a peer on the torrent goroutine.
func (t *Torrent) onMessage(p *peerConn, m *peerwire.Message) {
	if p.closed {
		if m.ID == peerwire.Piece {
			putBlock(m.Block)
		}
		return
	}
	if err := t.handleMessage(p, m); err != nil {
		t.dropPeer(p, err, errors.Is(err, errProtocol))
	}
}

func (t *Torrent) handleMessage(p *peerConn, m *peerwire.Message) error {
	switch m.ID {
	case peerwire.Choke:
		p.peerChoking = true
		if !p.fast {
			// Without BEP 6 a choke silently discards our requests.
			t.releaseRequests(p, false)
		}
	case peerwire.Unchoke:
		p.peerChoking = false
		if t.picker != nil {
			// The rejects that came with its last choke (BEP 6) were about the choke, not
			// the blocks.
			t.picker.ForgetRejections(p.key)
		}
		t.fillRequests(p)
	case peerwire.Interested:
		p.peerInterested = true
		t.maybeUnchoke(p)
	case peerwire.NotInterested:
		p.peerInterested = false
	case peerwire.Have:
		return t.onHave(p, int(m.Index))
	case peerwire.Bitfield:
		return t.onBitfield(p, m.Bitfield)
	case peerwire.HaveAll, peerwire.HaveNone:
		if !p.fast {
			return protocolError("%s without the fast extension", m.ID)
		}
		if m.ID == peerwire.HaveAll {
			return t.onHaveAll(p)
		}
	case peerwire.Request:
		return t.onRequest(p, m)
	case peerwire.Cancel:
		t.onCancel(p, picker.Block{Piece: int(m.Index), Begin: m.Begin, Length: m.Length})
	case peerwire.Piece:
		return t.onPiece(p, int(m.Index), m.Begin, m.Block)
	case peerwire.RejectRequest:
		if !p.fast {
			return protocolError("reject without the fast extension")
		}
		b := picker.Block{Piece: int(m.Index), Begin: m.Begin, Length: m.Length}
		if p.out.Rejected(b) && t.picker != nil {
			t.picker.Rejected(p.key, b)
		}
		if !p.peerChoking {
			t.fillRequests(p)
		}
	case peerwire.AllowedFast:
		if t.meta != nil && int(m.Index) < t.meta.Info.NumPieces() {
			p.allowedFast[int(m.Index)] = true
			t.fillRequests(p)
		}
	case peerwire.Extended:
		return t.onExtended(p, m.ExtendedID, m.Payload)
	case peerwire.Port:
		t.onPort(p, m.Port)
	}
	return nil
}

func (t *Torrent) onHave(p *peerConn, i int) error {
	if t.meta == nil {
		return nil // without metadata we cannot size the bitfield; the peer re-announces later
	}
	if i < 0 || i >= t.meta.Info.NumPieces() {
		return protocolError("have for piece %d of %d", i, t.meta.Info.NumPieces())
	}
	if p.has.Has(i) {
		return nil
	}
	p.has.Set(i)
	if t.superSeeding() {
		t.superHave(p, i)
	}
	if t.picker != nil {
		t.picker.PeerHasPiece(i)
		if !p.amInterested && !t.have.Has(i) && t.picker.Priority(i) > 0 {
			t.setInterested(p, true)
		}
		t.fillRequests(p)
	}
	if t.state == StateSeeding && p.has.All() {
		return errors.New("both sides are seeds")
	}
	return nil
}

func (t *Torrent) onBitfield(p *peerConn, raw []byte) error {
	if t.meta == nil {
		p.rawBitfield = append([]byte(nil), raw...)
		return nil
	}
	bf, err := bitfield.FromBytes(raw, t.meta.Info.NumPieces())
	if err != nil {
		return protocolError("bitfield: %v", err)
	}
	t.unregisterPieces(p)
	p.has = bf
	t.peerAvailability(p)
	if t.state == StateSeeding && p.has.All() {
		return errors.New("both sides are seeds")
	}
	return nil
}

func (t *Torrent) onHaveAll(p *peerConn) error {
	if t.meta == nil {
		p.peerHasAll = true
		return nil
	}
	t.unregisterPieces(p)
	p.has = bitfield.New(t.meta.Info.NumPieces())
	p.has.SetAll()
	t.peerAvailability(p)
	if t.state == StateSeeding {
		return errors.New("both sides are seeds")
	}
	return nil
}

// peerAvailability registers the peer's pieces with a (new) picker and updates interest.
func (t *Torrent) peerAvailability(p *peerConn) {
	if t.picker == nil {
		return
	}
	if p.has.Len() == 0 {
		p.has = bitfield.New(t.meta.Info.NumPieces())
		if p.peerHasAll {
			p.has.SetAll()
		} else if p.rawBitfield != nil {
			if bf, err := bitfield.FromBytes(p.rawBitfield, t.meta.Info.NumPieces()); err == nil {
				p.has = bf
			}
		}
		p.rawBitfield = nil
	}
	t.registerPieces(p)
	t.updateInterest(p)
	t.fillRequests(p)
}

// registerPieces reports the peer's pieces to the picker; seeds take the picker's cheap path.
func (t *Torrent) registerPieces(p *peerConn) {
	switch {
	case p.has.Len() > 0 && p.has.All():
		t.picker.PeerHasAll()
		p.registeredAll = true
	case p.has.Count() > 0:
		t.picker.PeerHasBitfield(p.has)
	}
}

// unregisterPieces undoes registerPieces (plus any have messages since).
func (t *Torrent) unregisterPieces(p *peerConn) {
	if t.picker == nil {
		return
	}
	if p.registeredAll {
		t.picker.PeerLostAll()
		p.registeredAll = false
	} else if p.has.Count() > 0 {
		t.picker.PeerLost(p.has)
	}
}

// updateInterest tells the peer whether it has anything we still want.
func (t *Torrent) updateInterest(p *peerConn) {
	want := false
	if t.picker != nil && t.state == StateDownloading && p.has.Len() > 0 {
		has := &p.has
		if p.registeredAll {
			has = nil
		}
		want = t.picker.Interesting(has)
	}
	t.setInterested(p, want)
}

func (t *Torrent) setInterested(p *peerConn, on bool) {
	if p.amInterested == on {
		return
	}
	p.amInterested = on
	id := peerwire.NotInterested
	if on {
		id = peerwire.Interested
	}
	p.sendMessage(&peerwire.Message{ID: id})
	if !on {
		t.releaseRequests(p, true)
	}
}

// requestTarget is how many blocks to keep requested from a peer: its measured rate times
// request_queue_time (the bandwidth-delay product libtorrent aims for), never below a floor so
// a new peer can ramp up, never above what the peer accepts.
func (t *Torrent) requestTarget(p *peerConn) int {
	if p.out.Snubbed() {
		return 1 // as libtorrent: a peer that let requests time out gets one at a time
	}
	queueTime := t.s.conf().RequestQueueTime
	n := int(p.down.Rate() * queueTime / picker.BlockSize)
	// Slow start: before the rate meter has data, grow with what has been received.
	if grown := int(p.down.Total()/picker.BlockSize) + minRequestQueue; n < grown {
		n = grown
	}
	if n < minRequestQueue {
		n = minRequestQueue
	}
	limit := t.s.conf().MaxOutRequestQueue
	if p.maxRequests < limit {
		limit = p.maxRequests
	}
	if n > limit {
		n = limit
	}
	return n
}

// fillRequests tops up the peer's request pipeline.
func (t *Torrent) fillRequests(p *peerConn) {
	if t.picker == nil || p.closed || !p.amInterested || t.state != StateDownloading {
		return
	}
	has := &p.has
	if p.registeredAll {
		has = nil // the picker's cheap path for seeds
	}
	if p.peerChoking {
		if len(p.allowedFast) == 0 {
			return
		}
		fast := bitfield.New(p.has.Len())
		for i := range p.allowedFast {
			if p.has.Has(i) {
				fast.Set(i)
			}
		}
		has = &fast
	}
	target := t.requestTarget(p)
	live := p.out.Live()
	missing := target - live
	// Top up in batches, so one received block doesn't cost one pick and one write.
	if missing <= 0 || (missing < target/4 && live > 0) {
		return
	}
	p.pickBuf = t.pickBlocks(p.key, p.blameSource(), p.out.Snubbed(), has, missing, p.pickBuf[:0])
	if len(p.pickBuf) == 0 {
		return
	}
	t.sendRequests(p, p.pickBuf)
}

// releaseRequests gives a peer's outstanding requests back to the picker; cancel also tells the
// peer (when it still might send them).
func (t *Torrent) releaseRequests(p *peerConn, cancel bool) {
	if p.out.Live() == 0 {
		return
	}
	blocks := p.out.Clear(nil, cancel, time.Now())
	for _, b := range blocks {
		t.picker.Cancelled(p.key, b)
	}
	if cancel {
		p.send(func(buf []byte) []byte {
			for _, b := range blocks {
				buf = peerwire.AppendCancel(buf, uint32(b.Piece), b.Begin, b.Length)
			}
			return buf
		})
	}
	for q := range t.peers {
		if q != p {
			t.fillRequests(q)
		}
	}
}

func (t *Torrent) connectPeers() {
	if t.paused || t.stopped.Load() || t.state == StateError || t.state == StateCheckingFiles || t.state == StateSeeding && len(t.candidates) == 0 {
		return
	}
	limit := t.s.conf().ConnectionsLimit
	connected := map[netip.AddrPort]bool{}
	for p := range t.peers {
		connected[p.addr] = true
	}
	for addr, src := range t.candidates {
		if int(t.s.numConns.Load()) >= limit {
			return
		}
		delete(t.candidates, addr)
		if t.isBanned(addr) || t.connecting[addr] || connected[addr] {
			continue
		}
		if !t.s.conf().EnableOutgoingTCP {
			continue
		}
		shrink.Set(&t.connecting, addr, true)
		t.s.numConns.Add(1)
		t.goSafely("peer dial", func() {
			c, h, err := t.s.dial(t.ctx, addr, t.infoHash)
			t.post(func() {
				delete(t.connecting, addr)
				if err != nil {
					t.s.numConns.Add(-1)
					t.s.alerts.push(Alert{Type: AlertPeerDisconnected, Torrent: t, InfoHash: t.infoHash, Endpoint: addr.String(), Err: err,
						Message: fmt.Sprintf("%s: connecting to %s failed: %v", t.name, addr, err)})
					if src == sourceUser && t.ctx.Err() == nil {
						t.retryLater(addr, src)
					}
					return
				}
				if t.paused {
					t.candidates[addr] = src // the dial outlived a pause: reconnect on Resume
				}
				t.addPeer(c, h, false, src)
			})
			if err == nil {
				return
			}
		})
	}
}

// Retries of a peer the user asked for start quickly (a seeder that is still starting up is
// usually ready within a second: libtorrent accepts connections before its torrent is added
// and closes them until it is) and back off to retryMaxDelay: 0.1, 0.2, 0.4 ... 25.6, 30 s.
const (
	retryFirstDelay = 100 * time.Millisecond
	retryMaxDelay   = 30 * time.Second
)

// retryLater puts a peer the user asked for back among the candidates after a pause, so a peer
// that is not up yet (a seeder still checking its files) is reached once it is.
func (t *Torrent) retryLater(addr netip.AddrPort, src peerSource) {
	if t.retries == nil {
		t.retries = map[netip.AddrPort]int{}
	}
	n := min(t.retries[addr], 9)
	t.retries[addr]++
	delay := min(retryFirstDelay<<n, retryMaxDelay)
	time.AfterFunc(delay, func() {
		t.post(func() {
			t.candidates[addr] = src
			t.connectPeers()
		})
	})
}
