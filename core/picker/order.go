package picker

// level holds the not-yet-started wanted pieces of one priority, sorted by
// availability count in buckets: bucket c holds list[start(c):bounds[c]] and
// every piece in it has pieces[i].count == c. bounds[len-1] == len(list).
// fresh mirrors list as a bitset for index-order walks.
type level struct {
	list   []int32
	bounds []int32
	fresh  bitset
}

// level returns the level of priority prio, making it on first use (most torrents use one).
func (p *Picker) level(prio int) *level {
	if p.levels[prio] == nil {
		p.levels[prio] = &level{fresh: newBitset(p.numPieces)}
	}
	return p.levels[prio]
}

func (lv *level) start(c int) int32 {
	if c == 0 {
		return 0
	}
	return lv.bounds[c-1]
}

func (p *Picker) swap(lv *level, i, j int32) {
	if i == j {
		return
	}
	a, b := lv.list[i], lv.list[j]
	lv.list[i], lv.list[j] = b, a
	p.pieces[a].pos = j
	p.pieces[b].pos = i
}

// shuffleInto swaps the piece at idx with a random element of bucket c, so
// pieces of equal availability stay in random order.
func (p *Picker) shuffleInto(lv *level, idx int32, c int) {
	s, e := lv.start(c), lv.bounds[c]
	if e-s > 1 {
		p.swap(lv, idx, s+int32(p.rng.IntN(int(e-s))))
	}
}

// insertFresh adds piece (wanted, not had, not partial) to its level.
func (p *Picker) insertFresh(piece int) {
	ps := &p.pieces[piece]
	lv := p.level(int(ps.prio))
	c := int(ps.count)
	for len(lv.bounds) <= c {
		lv.bounds = append(lv.bounds, int32(len(lv.list)))
	}
	idx := int32(len(lv.list))
	lv.list = append(lv.list, int32(piece))
	ps.pos = idx
	last := len(lv.bounds) - 1
	lv.bounds[last]++
	for d := last; d > c; d-- {
		first := lv.start(d)
		p.swap(lv, idx, first)
		lv.bounds[d-1]++
		idx = first
	}
	p.shuffleInto(lv, idx, c)
	lv.fresh.set(piece)
}

// removeFresh takes piece out of its level; O(number of buckets above it).
func (p *Picker) removeFresh(piece int) {
	ps := &p.pieces[piece]
	lv := p.levels[ps.prio] // it holds the piece (pos >= 0)
	idx := ps.pos
	last := len(lv.bounds) - 1
	for d := int(ps.count); d <= last; d++ {
		end := lv.bounds[d] - 1
		p.swap(lv, idx, end)
		idx = end
		lv.bounds[d]--
	}
	lv.list = lv.list[:len(lv.list)-1]
	ps.pos = -1
	lv.fresh.clear(piece)
	// Drop empty trailing buckets so removal stays cheap after peers leave.
	for n := len(lv.bounds); n > 1 && lv.bounds[n-1] == lv.bounds[n-2]; n-- {
		lv.bounds = lv.bounds[:n-1]
	}
}
