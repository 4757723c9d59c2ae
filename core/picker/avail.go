package picker

import "github.com/libbt/libbt/core/bitfield"

// Availability returns how many connected peers have piece.
func (p *Picker) Availability(piece int) int {
	if !p.valid(piece) {
		return 0
	}
	return int(p.pieces[piece].count) + p.seeds
}

// Seeds returns how many connected peers were reported through PeerHasAll.
func (p *Picker) Seeds() int { return p.seeds }

// PeerHasPiece records a Have message: one more peer has piece.
func (p *Picker) PeerHasPiece(piece int) {
	if p.valid(piece) {
		p.inc(piece)
	}
}

// PeerLostPiece undoes one PeerHasPiece (rarely needed; PeerLost is the
// usual way to forget a departing peer).
func (p *Picker) PeerLostPiece(piece int) {
	if p.valid(piece) {
		p.dec(piece)
	}
}

// PeerHasBitfield records a peer's bitfield. Bits beyond NumPieces are ignored.
func (p *Picker) PeerHasBitfield(bf bitfield.Bitfield) {
	for i := bf.NextSet(0); i >= 0 && i < p.numPieces; i = bf.NextSet(i + 1) {
		p.inc(i)
	}
}

// PeerLost forgets a departing peer's pieces: pass the same bitfield that was
// reported (bitfield plus later Have messages).
func (p *Picker) PeerLost(bf bitfield.Bitfield) {
	for i := bf.NextSet(0); i >= 0 && i < p.numPieces; i = bf.NextSet(i + 1) {
		p.dec(i)
	}
}

// PeerHasAll records a seed (bitfield with every bit set, or BEP 6 HaveAll).
// It is O(1): seeds are counted apart from per-piece counts.
func (p *Picker) PeerHasAll() { p.seeds++ }

// PeerLostAll forgets a seed reported with PeerHasAll.
func (p *Picker) PeerLostAll() {
	if p.seeds > 0 {
		p.seeds--
	}
}

func (p *Picker) inc(piece int) {
	ps := &p.pieces[piece]
	if ps.pos < 0 {
		ps.count++
		return
	}
	lv := p.levels[ps.prio] // it holds the piece (pos >= 0)
	c := int(ps.count)
	if c+1 >= len(lv.bounds) {
		lv.bounds = append(lv.bounds, int32(len(lv.list)))
	}
	end := lv.bounds[c] - 1
	p.swap(lv, ps.pos, end)
	lv.bounds[c]--
	ps.count++
	p.shuffleInto(lv, end, c+1)
}

func (p *Picker) dec(piece int) {
	ps := &p.pieces[piece]
	if ps.count == 0 {
		return
	}
	if ps.pos < 0 {
		ps.count--
		return
	}
	lv := p.levels[ps.prio] // it holds the piece (pos >= 0)
	c := int(ps.count)
	first := lv.start(c)
	p.swap(lv, ps.pos, first)
	lv.bounds[c-1]++
	ps.count--
	p.shuffleInto(lv, first, c-1)
	for n := len(lv.bounds); n > 1 && lv.bounds[n-1] == lv.bounds[n-2]; n-- {
		lv.bounds = lv.bounds[:n-1]
	}
}
