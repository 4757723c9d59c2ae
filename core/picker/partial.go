package picker

import "slices"

// block is the state of one block of a partial piece.
type block struct {
	reqs     []PeerKey // peers it is requested from (more than one only in end-game)
	from     PeerKey   // who sent it, valid when received
	received bool
}

// partial is a piece with at least one block requested or received.
type partial struct {
	piece    int
	blocks   []block
	free     int // neither received nor requested
	received int
	hint     int     // no free block below this index
	owner    PeerKey // a peer on parole filling it alone (PickAlone); 0: none
}

type peerState struct {
	out      map[uint64]struct{} // blockRef of outstanding requests
	rejected map[uint64]struct{} // blocks it rejected: not offered to it again; nil if none
}

func (ps *peerState) refused(piece, bi int) bool {
	if ps.rejected == nil {
		return false
	}
	_, ok := ps.rejected[blockRef(piece, bi)]
	return ok
}

func blockRef(piece, bi int) uint64 { return uint64(piece)<<32 | uint64(bi) }

func (p *Picker) peer(k PeerKey) *peerState {
	ps := p.peers[k]
	if ps == nil {
		ps = &peerState{out: make(map[uint64]struct{})}
		if p.peers == nil {
			p.peers = make(map[PeerKey]*peerState)
		}
		p.peers[k] = ps
	}
	return ps
}

// startPartial turns a fresh (or untouched) piece into a partial one.
func (p *Picker) startPartial(piece int) *partial {
	ps := &p.pieces[piece]
	if ps.pos >= 0 {
		p.removeFresh(piece)
	}
	n := p.BlocksInPiece(piece)
	var pp *partial
	if k := len(p.pool); k > 0 {
		pp = p.pool[k-1]
		p.pool = p.pool[:k-1]
	} else {
		pp = &partial{}
	}
	if cap(pp.blocks) < n {
		pp.blocks = make([]block, n)
	}
	pp.blocks = pp.blocks[:n]
	for i := range pp.blocks {
		pp.blocks[i] = block{reqs: pp.blocks[i].reqs[:0]}
	}
	pp.piece, pp.free, pp.received, pp.hint, pp.owner = piece, n, 0, 0, 0
	ps.flags |= flagPartial
	p.partials = append(p.partials, pp)
	if p.partialOf == nil {
		p.partialOf = make(map[int]*partial)
	}
	p.partialOf[piece] = pp
	return pp
}

// dropPartial forgets pp, releasing its outstanding requests from the
// peers' books. The piece is left neither fresh nor partial.
func (p *Picker) dropPartial(pp *partial) {
	for bi := range pp.blocks {
		for _, k := range pp.blocks[bi].reqs {
			if ps := p.peers[k]; ps != nil {
				delete(ps.out, blockRef(pp.piece, bi))
			}
		}
	}
	p.pieces[pp.piece].flags &^= flagPartial
	delete(p.partialOf, pp.piece)
	if i := slices.Index(p.partials, pp); i >= 0 {
		p.partials = slices.Delete(p.partials, i, i+1)
	}
	p.pool = append(p.pool, pp)
}

// request marks block bi of pp requested by peer.
func (p *Picker) request(k PeerKey, ps *peerState, pp *partial, bi int) Block {
	b := &pp.blocks[bi]
	if len(b.reqs) == 0 {
		pp.free--
	}
	b.reqs = append(b.reqs, k)
	ps.out[blockRef(pp.piece, bi)] = struct{}{}
	return Block{Piece: pp.piece, Begin: uint32(bi) * BlockSize, Length: p.blockLen(pp.piece, bi)}
}

// release removes peer's request for block bi of pp, if any.
func (p *Picker) release(k PeerKey, pp *partial, bi int) {
	b := &pp.blocks[bi]
	i := slices.Index(b.reqs, k)
	if i < 0 {
		return
	}
	b.reqs = slices.Delete(b.reqs, i, i+1)
	if len(b.reqs) == 0 && !b.received {
		pp.free++
		pp.hint = min(pp.hint, bi)
	}
	if ps := p.peers[k]; ps != nil {
		delete(ps.out, blockRef(pp.piece, bi))
	}
}

// locate checks b against the piece layout and returns its partial (nil if
// the piece is not in progress) and block index.
func (p *Picker) locate(b Block) (pp *partial, bi int, ok bool) {
	if !p.valid(b.Piece) || b.Begin%BlockSize != 0 {
		return nil, 0, false
	}
	bi = int(b.Begin / BlockSize)
	if bi >= p.BlocksInPiece(b.Piece) || b.Length != p.blockLen(b.Piece, bi) {
		return nil, 0, false
	}
	return p.partialOf[b.Piece], bi, true
}
