package session

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/shrink"
	"github.com/libbt/libbt/core/smartban"
)

// Smart ban: the session side of core/smartban. Every stored block is recorded against its
// source (a peer's IP address, a web seed's URL) until its piece is verified. How a source may
// fill pieces depends on its standing:
//
//   - unsuspected: normal picking, pieces shared with others;
//   - suspected (sent blocks of a failed piece that is not resolved yet): its requests in shared
//     pieces are withdrawn and it gets no more while a source that is not a suspect can serve
//     us: the good copy of the failed piece from others will convict or clear it. When only
//     suspects are left, they take turns on parole slots, filling one piece alone per turn
//     (picker.PickAlone): a bad piece then has it as sole sender and convicts it, a good one
//     clears it. Slots go to the suspects with the most verified blocks (so an honest peer
//     that shared a piece with a liar goes first), then the fewest failed pieces (a liar spoils
//     every piece it touches, an honest peer only those it shared with a liar); a holder loses
//     its slot when it is cleared, convicted, gone, snubbed or backed off, and one that lost it
//     that way waits behind the others. When a source becomes a suspect its blocks in pieces
//     still in progress are dropped and fetched again, so they cannot spoil pieces others
//     complete;
//   - convicted (sole sender of a failed piece, a block that differs from the verified copy, or
//     a block sent twice with different data): a peer's IP address is banned for the torrent
//     (any port, incoming or outgoing, even after it left: AlertPeerBanned), a web seed is
//     banned (AlertWebSeedError); its blocks in pieces still in progress are fetched again.
//
// Bound on junk written into the files (data of pieces that then fail): before its first
// failed piece a source is like any other, and the pieces it has blocks in when that verdict
// comes are lost (with large pieces, about the one piece the swarm was filling). From then on,
// until it is cleared, a lying IP address writes at most one piece of junk per parole turn,
// however it reconnects, and it only gets a turn when no unsuspected source can serve; it is
// convicted by the first bad piece it fills alone, or by the verified copy of a piece it
// spoiled, while it waits. Suspects' unverified data is at most paroleSlots pieces
// (max(one piece, cache_size)) at once, torrent-wide. So that parole never stalls a download, a
// holder that finds no new piece, with no unsuspected source left, adopts a piece others
// started and finishes it alone (a bad one then only keeps it a suspect), and a snubbed source
// loses the pieces it owns to others.

// maxBannedAddrs bounds a torrent's banned addresses (about 50 bytes each).
const maxBannedAddrs = 1 << 16

// aloneMaxPieces is how many pieces a suspect on parole may fill alone at once.
const aloneMaxPieces = 1

// paroleSlots is how many suspects may fill a piece at once: the cache's worth of pieces, at
// least one.
func (t *Torrent) paroleSlots() int {
	cache := t.s.conf().CacheSize * picker.BlockSize
	return int(max(1, cache/t.meta.Info.PieceLength))
}

// isBanned reports whether the peer at addr is banned (by IP address, whatever the port).
func (t *Torrent) isBanned(addr netip.AddrPort) bool {
	return t.banned[addr.Addr().Unmap()]
}

// blameSource is p's smart-ban identity: its IP address.
func (p *peerConn) blameSource() smartban.Source { return smartban.Peer(p.addr.Addr()) }

// pickBlocks picks up to n blocks for a peer or web seed by its standing (see above); stalled
// says it is snubbed, and loses the pieces it owns.
func (t *Torrent) pickBlocks(key picker.PeerKey, src smartban.Source, stalled bool, has *bitfield.Bitfield, n int, out []picker.Block) []picker.Block {
	if stalled {
		t.picker.Disown(key)
	}
	if !t.smart.Suspect(src) {
		return t.picker.Pick(key, has, n, out)
	}
	if !t.parole[src] {
		t.assignParole()
		if !t.parole[src] {
			return out
		}
	}
	// The limit is the source's: pieces its other connections own count too.
	others := 0
	for p := range t.peers {
		if p.key != key && p.blameSource() == src {
			others += t.picker.Owned(p.key)
		}
	}
	if others >= aloneMaxPieces {
		return out
	}
	start := len(out)
	out = t.picker.PickAlone(key, has, n, aloneMaxPieces-others, out)
	if len(out) == start && others == 0 && t.picker.Owned(key) == 0 && !t.unsuspectedSource() && t.picker.Adopt(key, has) {
		// The end of the download with only suspects left: finish one piece others started.
		out = t.picker.PickAlone(key, has, n, aloneMaxPieces, out)
	}
	return out
}

// unsuspectedSource reports whether a peer or web seed that is not a suspect can serve us now:
// an unchoking peer with pieces we want, or a web seed that is not backed off.
func (t *Torrent) unsuspectedSource() bool {
	for p := range t.peers {
		if p.amInterested && !p.peerChoking && !p.out.Snubbed() && !p.closed && !t.smart.Suspect(p.blameSource()) {
			return true
		}
	}
	now := time.Now()
	for _, ws := range t.webSeeds {
		if !ws.banned && !now.Before(ws.retryAt) && !t.smart.Suspect(smartban.WebSeed(ws.url)) {
			return true
		}
	}
	return false
}

// assignParole takes parole slots back from holders that no longer need or use them and gives
// free ones to waiting suspects (see the order above).
func (t *Torrent) assignParole() {
	if t.picker == nil || t.meta == nil {
		return
	}
	ready := map[smartban.Source]bool{} // suspects that could fill a piece now
	for p := range t.peers {
		if src := p.blameSource(); t.smart.Suspect(src) && !p.out.Snubbed() && !p.closed {
			ready[src] = true
		}
	}
	now := time.Now()
	for _, ws := range t.webSeeds {
		if src := smartban.WebSeed(ws.url); t.smart.Suspect(src) && !ws.banned && !now.Before(ws.retryAt) {
			ready[src] = true
		}
	}
	for src := range t.parole {
		if !ready[src] {
			delete(t.parole, src)
			if t.smart.Suspect(src) && (len(t.paroleStalls) < maxParoleStalls || t.paroleStalls[src] > 0) {
				shrink.Set(&t.paroleStalls, src, t.paroleStalls[src]+1) // it stalled, left or was backed off during its turn
			}
		}
	}
	free := t.paroleSlots() - len(t.parole)
	if free <= 0 || t.unsuspectedSource() {
		return
	}
	var waiting []smartban.Source
	for src := range ready {
		if !t.parole[src] {
			waiting = append(waiting, src)
		}
	}
	slices.SortFunc(waiting, func(a, b smartban.Source) int {
		if c := cmp.Compare(t.paroleStalls[a], t.paroleStalls[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(t.smart.Verified(b), t.smart.Verified(a)); c != 0 {
			return c
		}
		return cmp.Compare(t.smart.Failures(a), t.smart.Failures(b))
	})
	granted := waiting[:min(free, len(waiting))]
	for _, src := range granted {
		shrink.Set(&t.parole, src, true)
	}
	for _, src := range granted {
		if src.IsWebSeed() {
			t.fillWebSeeds()
			continue
		}
		for p := range t.peers {
			if p.blameSource() == src {
				t.fillRequests(p)
			}
		}
	}
}

// maxParoleStalls bounds the sources whose stalled parole turns are counted.
const maxParoleStalls = 1 << 16

// applyVerdict acts on what a hash check taught about the senders of a piece.
func (t *Torrent) applyVerdict(v smartban.Verdict) {
	defer t.assignParole() // slots of the convicted and cleared are free again
	for _, c := range v.Convicted {
		t.ban(c)
	}
	for _, src := range v.Suspects {
		// Its blocks and requests in pieces others fill go back: from now on it fills pieces
		// alone.
		t.withdrawBlocks(src)
		if src.IsWebSeed() {
			for _, ws := range t.webSeeds {
				if ws.url == src.URL && !ws.banned {
					t.webSeedFailed(ws, errors.New("sent blocks of a piece that failed the hash check; on parole until it passes"))
				}
			}
			continue
		}
		for p := range t.peers {
			if p.blameSource() == src {
				t.releaseRequests(p, true)
				t.fillRequests(p)
			}
		}
	}
}

// ban acts on a conviction: the source never sends us blocks of this torrent again.
func (t *Torrent) ban(c smartban.Conviction) {
	reason := errors.New(c.Reason)
	if c.Source.IsWebSeed() {
		for _, ws := range t.webSeeds {
			if ws.url == c.Source.URL && !ws.banned {
				delete(t.parole, c.Source)
				t.withdrawBlocks(c.Source)
				ws.banned = true
				ws.lastErr = fmt.Errorf("failed the hash check: %w", reason)
				t.stopWebSeed(ws)
				t.webSeedAlert(ws, ws.lastErr, "banned")
			}
		}
		return
	}
	addr := c.Source.Addr
	if t.banned[addr] {
		return
	}
	if len(t.banned) >= maxBannedAddrs {
		for old := range t.banned {
			delete(t.banned, old) // an arbitrary one: each entry cost its owner a conviction
			break
		}
	}
	shrink.Set(&t.banned, addr, true)
	t.smart.Forget(c.Source)
	delete(t.parole, c.Source)
	endpoint := netip.AddrPortFrom(addr, 0) // the port is unknown once it has left
	var conns []*peerConn
	for p := range t.peers {
		if p.blameSource() == c.Source {
			endpoint = p.addr
			conns = append(conns, p)
		}
	}
	for ap := range t.candidates {
		if ap.Addr().Unmap() == addr {
			delete(t.candidates, ap)
		}
	}
	t.s.alerts.push(Alert{Type: AlertPeerBanned, Torrent: t, InfoHash: t.infoHash, Endpoint: endpoint.String(), Err: reason,
		Message: fmt.Sprintf("%s: peer %s banned: %s", t.name, addr, c.Reason)})
	t.withdrawBlocks(c.Source)
	for _, p := range conns {
		t.dropPeer(p, fmt.Errorf("banned: %w", reason), true)
	}
}

// withdrawBlocks takes a convicted or suspected source's blocks out of the pieces in progress,
// so they are fetched again from others instead of failing those pieces and casting suspicion
// on the peers that complete them. Pieces already being hashed are left to their verdict.
func (t *Torrent) withdrawBlocks(src smartban.Source) {
	if t.picker == nil {
		return
	}
	for piece, blocks := range t.smart.Withdraw(src, func(piece int) bool { return t.hashing[piece] }) {
		for _, bi := range blocks {
			t.picker.Unreceive(piece, bi)
		}
	}
}
