package picker

// BlockReceived records that peer sent block b. dup is true when the block
// must be discarded: we already have it (an end-game duplicate), the piece is
// already verified, or b does not match the piece layout. cancel lists the
// other peers the block is still requested from: send each a Cancel. Their
// requests are dropped from the books here, so do not call Cancelled for
// them. A valid block we never requested is accepted. The returned slice is
// freshly allocated only when non-empty.
func (p *Picker) BlockReceived(peer PeerKey, b Block) (dup bool, cancel []PeerKey) {
	pp, bi, ok := p.locate(b)
	if !ok {
		return true, nil
	}
	if p.pieces[b.Piece].flags&flagHave != 0 {
		return true, nil
	}
	if pp == nil {
		pp = p.startPartial(b.Piece)
	}
	blk := &pp.blocks[bi]
	if blk.received {
		p.release(peer, pp, bi)
		return true, nil
	}
	for _, k := range blk.reqs {
		if k == peer {
			continue
		}
		cancel = append(cancel, k)
		if ps := p.peers[k]; ps != nil {
			delete(ps.out, blockRef(b.Piece, bi))
		}
	}
	if ps := p.peers[peer]; ps != nil {
		delete(ps.out, blockRef(b.Piece, bi))
	}
	if len(blk.reqs) == 0 {
		pp.free--
	}
	blk.reqs = blk.reqs[:0]
	blk.received = true
	blk.from = peer
	pp.received++
	return false, cancel
}

// Unreceive forgets that block bi of piece was received, so it is picked again: its sender
// turned out to be lying. It reports whether there was such a received block (of a piece in
// progress).
func (p *Picker) Unreceive(piece, bi int) bool {
	if !p.valid(piece) {
		return false
	}
	pp := p.partialOf[piece]
	if pp == nil || bi < 0 || bi >= len(pp.blocks) || !pp.blocks[bi].received {
		return false
	}
	b := &pp.blocks[bi]
	b.received, b.from = false, 0
	pp.received--
	if len(b.reqs) == 0 {
		pp.free++
		pp.hint = min(pp.hint, bi)
	}
	return true
}

// Cancelled records that our request of b from peer is withdrawn (we sent a
// Cancel, or the peer choked us without the fast extension). The block
// becomes free for others unless other requests for it remain.
func (p *Picker) Cancelled(peer PeerKey, b Block) {
	if pp, bi, ok := p.locate(b); ok && pp != nil {
		p.release(peer, pp, bi)
	}
}

// Rejected records a BEP 6 Reject Request for b: the block is released like
// Cancelled, and Pick does not offer it to the same peer again until
// PeerGone (so a peer that refuses a piece is not asked for it in a loop).
func (p *Picker) Rejected(peer PeerKey, b Block) {
	pp, bi, ok := p.locate(b)
	if !ok || pp == nil {
		return
	}
	p.release(peer, pp, bi)
	ps := p.peer(peer)
	if ps.rejected == nil {
		ps.rejected = make(map[uint64]struct{})
	}
	ps.rejected[blockRef(b.Piece, bi)] = struct{}{}
}

// ForgetRejections lets Pick offer peer the blocks it rejected again: the session calls it when
// the peer unchokes us (a choke with BEP 6 rejects every request, which says nothing about the
// blocks) and when the peer has been idle long enough that one retry costs little. Without it
// a block that only this peer can provide would never be asked for again.
func (p *Picker) ForgetRejections(peer PeerKey) {
	if ps := p.peers[peer]; ps != nil {
		ps.rejected = nil
	}
}

// PeerGone releases every outstanding request of peer and forgets it,
// including the blocks it rejected. Use it when the connection closes, or
// when a choke drops all its requests. The
// peer's availability is forgotten separately (PeerLost / PeerLostAll).
func (p *Picker) PeerGone(peer PeerKey) {
	p.Disown(peer) // anyone may finish its pieces now
	ps := p.peers[peer]
	if ps == nil {
		return
	}
	for ref := range ps.out {
		if pp := p.partialOf[int(ref>>32)]; pp != nil {
			p.release(peer, pp, int(ref&0xffffffff))
		}
	}
	delete(p.peers, peer)
}

// Outstanding returns the number of blocks requested from peer and not yet
// received, cancelled or rejected.
func (p *Picker) Outstanding(peer PeerKey) int {
	if ps := p.peers[peer]; ps != nil {
		return len(ps.out)
	}
	return 0
}

// PieceBlocksDone reports whether every block of piece has been received
// and the piece awaits its hash check.
func (p *Picker) PieceBlocksDone(piece int) bool {
	if !p.valid(piece) {
		return false
	}
	pp := p.partialOf[piece]
	return pp != nil && pp.received == len(pp.blocks)
}

// PieceFailed records a failed hash check: the piece's blocks are forgotten
// and it is picked again from scratch. It returns the distinct peers that
// sent blocks of it, in the order of the blocks, so the session can count
// the failure against them.
func (p *Picker) PieceFailed(piece int) []PeerKey {
	if !p.valid(piece) {
		return nil
	}
	pp := p.partialOf[piece]
	if pp == nil {
		return nil
	}
	var who []PeerKey
	for i := range pp.blocks {
		b := &pp.blocks[i]
		if !b.received {
			continue
		}
		seen := false
		for _, k := range who {
			if k == b.from {
				seen = true
				break
			}
		}
		if !seen {
			who = append(who, b.from)
		}
	}
	p.dropPartial(pp)
	ps := &p.pieces[piece]
	if ps.prio > 0 && ps.flags&flagHave == 0 {
		p.insertFresh(piece)
	}
	return who
}

// PartialInfo describes one in-progress piece.
type PartialInfo struct {
	Piece     int
	Blocks    int // blocks in the piece
	Received  int // blocks received
	Requested int // blocks with at least one outstanding request
}

// SnapshotPartial returns the in-progress pieces in the order they were
// started, for status display and debugging.
func (p *Picker) SnapshotPartial() []PartialInfo {
	out := make([]PartialInfo, 0, len(p.partials))
	for _, pp := range p.partials {
		out = append(out, PartialInfo{
			Piece:     pp.piece,
			Blocks:    len(pp.blocks),
			Received:  pp.received,
			Requested: len(pp.blocks) - pp.free - pp.received,
		})
	}
	return out
}
