package picker

import (
	"encoding/binary"
	"math/bits"
	"slices"

	"github.com/libbt/libbt/core/bitfield"
)

// scanLimit bounds the walk along a level's availability-sorted array for a
// peer with a bitfield before switching to a word-wise bitset intersection.
const scanLimit = 256

type candidate struct {
	pp   *partial
	bi   int32
	prio uint8
	nreq int32
}

// Pick appends to out up to max blocks to request from peer and marks them
// requested by it. has is the peer's bitfield; nil means the peer has every
// piece (cheap path for seeds). Blocks come, for each priority from 7 down
// to 1, first from partial pieces, then from new pieces (rarest first, or in
// index order in sequential mode). Blocks already requested or received are
// skipped, except in end-game (see the package doc). The caller must not
// mutate has during the call.
func (p *Picker) Pick(peer PeerKey, has *bitfield.Bitfield, max int, out []Block) []Block {
	if max <= 0 {
		return out
	}
	ps := p.peer(peer)
	need := max
	for lvl := PriorityMax; lvl >= 1 && need > 0; lvl-- {
		for _, pp := range p.partials {
			if need == 0 {
				break
			}
			if pp.free == 0 || int(p.pieces[pp.piece].prio) != lvl || !p.peerHas(has, pp.piece) || pp.owner != 0 && pp.owner != peer {
				continue
			}
			out, need = p.takeFree(peer, ps, pp, need, out)
		}
		for need > 0 {
			piece := p.nextFresh(lvl, has)
			if piece < 0 {
				break
			}
			out, need = p.takeFree(peer, ps, p.startPartial(piece), need, out)
		}
	}
	if need > 0 {
		out, need = p.takeOwned(peer, ps, has, need, out)
	}
	if need > 0 && p.InEndgame() {
		out = p.pickEndgame(peer, ps, has, need, out)
	}
	return out
}

func (p *Picker) peerHas(has *bitfield.Bitfield, piece int) bool {
	return has == nil || (piece < has.Len() && has.Has(piece))
}

func (p *Picker) takeFree(k PeerKey, ps *peerState, pp *partial, need int, out []Block) ([]Block, int) {
	for bi := pp.hint; bi < len(pp.blocks) && need > 0 && pp.free > 0; bi++ {
		b := &pp.blocks[bi]
		if b.received || len(b.reqs) > 0 {
			if bi == pp.hint {
				pp.hint++
			}
			continue
		}
		if ps.refused(pp.piece, bi) {
			continue
		}
		out = append(out, p.request(k, ps, pp, bi))
		need--
		if bi == pp.hint {
			pp.hint++
		}
	}
	return out, need
}

// nextFresh returns the next not-yet-started piece of priority lvl that the
// peer has, or -1.
func (p *Picker) nextFresh(lvl int, has *bitfield.Bitfield) int {
	lv := p.levels[lvl]
	if lv == nil || len(lv.list) == 0 {
		return -1
	}
	if p.sequential {
		if has == nil {
			return lv.fresh.nextSet(0)
		}
		first := -1
		p.intersect(lv.fresh, has, func(i int) bool { first = i; return false })
		return first
	}
	if has == nil {
		return int(lv.list[0])
	}
	// Pieces in bucket 0 are held by seeds alone. Without seeds no peer has
	// them, so start at bucket 1; with seeds, has may be a subset of a
	// seed's pieces (e.g. its allowed-fast set), so start at 0.
	start := 0
	if p.seeds == 0 {
		start = int(lv.bounds[0])
	}
	end := min(len(lv.list), start+scanLimit)
	for i := start; i < end; i++ {
		if pc := int(lv.list[i]); p.peerHas(has, pc) {
			return pc
		}
	}
	if end == len(lv.list) {
		return -1
	}
	// Sparse peer: intersect its bitfield with the level's bitset and keep
	// the rarest, random among equals.
	best, bestCount, ties := -1, int32(0), 0
	p.intersect(lv.fresh, has, func(i int) bool {
		c := p.pieces[i].count
		switch {
		case best < 0 || c < bestCount:
			best, bestCount, ties = i, c, 1
		case c == bestCount:
			ties++
			if p.rng.IntN(ties) == 0 {
				best = i
			}
		}
		return true
	})
	return best
}

// intersect calls f on each index set in both a and has, in increasing
// order, until f returns false. It ANDs 64 pieces at a time, reading the
// peer's wire-format bytes (most significant bit first) directly.
func (p *Picker) intersect(a bitset, has *bitfield.Bitfield, f func(int) bool) {
	n := min(p.numPieces, has.Len())
	raw := has.Bytes()
	var tail [8]byte
	for w := 0; w<<6 < n; w++ {
		if a[w] == 0 {
			continue
		}
		chunk := raw[w<<3:]
		if len(chunk) < 8 {
			copy(tail[:], chunk)
			chunk = tail[:]
		}
		// Byte k of the wire format holds pieces 8k..8k+7 from its top bit
		// down; reversing all 64 bits of the big-endian load gives bit i =
		// piece w*64+i, the internal layout.
		m := a[w] & bits.Reverse64(binary.BigEndian.Uint64(chunk))
		for m != 0 {
			i := w<<6 + bits.TrailingZeros64(m)
			if i >= n || !f(i) {
				return
			}
			m &= m - 1
		}
	}
}

// InEndgame reports whether every wanted block that some connected peer can
// provide is already requested or received.
func (p *Picker) InEndgame() bool {
	for lvl := 1; lvl <= PriorityMax; lvl++ {
		lv := p.levels[lvl]
		if lv == nil {
			continue
		}
		n := len(lv.list)
		if p.seeds == 0 && len(lv.bounds) > 0 {
			n -= int(lv.bounds[0])
		}
		if n > 0 {
			return false
		}
	}
	for _, pp := range p.partials {
		if pp.free > 0 && p.pieces[pp.piece].prio > 0 && p.Availability(pp.piece) > 0 {
			return false
		}
	}
	return true
}

func (p *Picker) pickEndgame(k PeerKey, ps *peerState, has *bitfield.Bitfield, need int, out []Block) []Block {
	cands := p.scratch[:0]
	for _, pp := range p.partials {
		prio := p.pieces[pp.piece].prio
		if prio == 0 || pp.received == len(pp.blocks) || !p.peerHas(has, pp.piece) {
			continue
		}
		for bi := range pp.blocks {
			b := &pp.blocks[bi]
			if b.received || slices.Contains(b.reqs, k) || ps.refused(pp.piece, bi) {
				continue
			}
			cands = append(cands, candidate{pp: pp, bi: int32(bi), prio: prio, nreq: int32(len(b.reqs))})
		}
	}
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if a.prio != b.prio {
			return int(b.prio) - int(a.prio)
		}
		return int(a.nreq - b.nreq)
	})
	for _, c := range cands[:min(need, len(cands))] {
		out = append(out, p.request(k, ps, c.pp, int(c.bi)))
	}
	clear(cands)
	p.scratch = cands[:0]
	return out
}
