package picker

import "github.com/libbt/libbt/core/bitfield"

// PickAlone is Pick for a peer on parole (one that sent data of a piece that failed its hash
// check, see core/smartban): blocks come only from pieces it owns, that is pieces it started
// through PickAlone, and from new pieces, which it then owns; it owns at most maxPieces
// pieces in progress at once (received but not yet verified included), and gets no end-game
// duplicates. Other peers' Pick leaves owned pieces alone while it finds anything else, so a
// bad piece of a peer on parole has one sender. Ownership ends with PeerGone, PieceFailed or
// SetHave of the piece.
func (p *Picker) PickAlone(peer PeerKey, has *bitfield.Bitfield, max, maxPieces int, out []Block) []Block {
	if max <= 0 {
		return out
	}
	ps := p.peer(peer)
	need, owned := max, p.Owned(peer)
	for lvl := PriorityMax; lvl >= 1 && need > 0; lvl-- {
		for _, pp := range p.partials {
			if need == 0 {
				break
			}
			if pp.owner != peer || pp.free == 0 || int(p.pieces[pp.piece].prio) != lvl || !p.peerHas(has, pp.piece) {
				continue
			}
			out, need = p.takeFree(peer, ps, pp, need, out)
		}
		for need > 0 && owned < maxPieces {
			piece := p.nextFresh(lvl, has)
			if piece < 0 {
				break
			}
			pp := p.startPartial(piece)
			pp.owner = peer
			owned++
			out, need = p.takeFree(peer, ps, pp, need, out)
		}
	}
	return out
}

// takeOwned is Pick's last resort before end-game: free blocks of pieces that peers on parole
// own, so a parole peer that stops sending cannot hold a piece back from everyone else.
func (p *Picker) takeOwned(k PeerKey, ps *peerState, has *bitfield.Bitfield, need int, out []Block) ([]Block, int) {
	for lvl := PriorityMax; lvl >= 1 && need > 0; lvl-- {
		for _, pp := range p.partials {
			if need == 0 {
				break
			}
			if pp.owner == 0 || pp.owner == k || pp.free == 0 || int(p.pieces[pp.piece].prio) != lvl || !p.peerHas(has, pp.piece) {
				continue
			}
			out, need = p.takeFree(k, ps, pp, need, out)
		}
	}
	return out, need
}

// Owned is how many pieces in progress peer owns (see PickAlone).
func (p *Picker) Owned(peer PeerKey) int {
	n := 0
	for _, pp := range p.partials {
		if pp.owner == peer {
			n++
		}
	}
	return n
}

// Adopt makes peer the owner of the oldest piece in progress that nobody owns and that has
// free blocks it has, so PickAlone finishes it: for a peer on parole at the end of a download,
// when only peers on parole are left to finish the pieces others started. It reports whether
// there was such a piece.
func (p *Picker) Adopt(peer PeerKey, has *bitfield.Bitfield) bool {
	for _, pp := range p.partials {
		if pp.owner == 0 && pp.free > 0 && p.pieces[pp.piece].prio > 0 && p.peerHas(has, pp.piece) {
			pp.owner = peer
			return true
		}
	}
	return false
}

// Disown ends peer's ownership of its pieces (it stalled): others may finish them.
func (p *Picker) Disown(peer PeerKey) {
	for _, pp := range p.partials {
		if pp.owner == peer {
			pp.owner = 0
		}
	}
}
