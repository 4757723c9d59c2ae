package bitfield

import "math/bits"

// The set operations below accept bitfields of different lengths: bits past
// the end of the shorter one count as clear. They never allocate unless they
// return a new Bitfield.

// byteAt returns byte i of f, or 0 past its end.
func (f Bitfield) byteAt(i int) byte {
	if i < len(f.b) {
		return f.b[i]
	}
	return 0
}

// Intersects reports whether some index is set in both f and o.
func (f Bitfield) Intersects(o Bitfield) bool {
	n := min(len(f.b), len(o.b))
	for i := range n {
		if f.b[i]&o.b[i] != 0 {
			return true
		}
	}
	return false
}

// AnyNotIn reports whether f has some index set that o lacks. For a piece
// picker, peer.AnyNotIn(mine) answers "is this peer interesting?".
func (f Bitfield) AnyNotIn(o Bitfield) bool {
	for i, v := range f.b {
		if v&^o.byteAt(i) != 0 {
			return true
		}
	}
	return false
}

// CountAndNot returns the number of indexes set in f and clear in o
// (how many pieces a peer has that we lack).
func (f Bitfield) CountAndNot(o Bitfield) int {
	n := 0
	for i, v := range f.b {
		n += bits.OnesCount8(v &^ o.byteAt(i))
	}
	return n
}

// NextSetAndNot returns the smallest index >= from that is set in f and clear
// in o, or -1. It lets a picker walk "pieces the peer has and we need" without
// allocating.
func (f Bitfield) NextSetAndNot(o Bitfield, from int) int {
	if from < 0 {
		from = 0
	}
	if from >= f.n {
		return -1
	}
	i := from >> 3
	v := (f.b[i] &^ o.byteAt(i)) & (0xFF >> (from & 7))
	for v == 0 {
		i++
		// Skip whole 64-bit words where f adds nothing over o.
		for i+8 <= len(f.b) && i+8 <= len(o.b) && load64(f.b[i:])&^load64(o.b[i:]) == 0 {
			i += 8
		}
		if i >= len(f.b) {
			return -1
		}
		v = f.b[i] &^ o.byteAt(i)
	}
	return i<<3 + bits.LeadingZeros8(v)
}

// AndNot returns a new bitfield of f's length holding f minus o.
func (f Bitfield) AndNot(o Bitfield) Bitfield {
	r := f.Clone()
	r.AndNotWith(o)
	return r
}

// And returns a new bitfield of f's length holding f intersected with o.
func (f Bitfield) And(o Bitfield) Bitfield {
	r := f.Clone()
	r.AndWith(o)
	return r
}

// Or returns a new bitfield of f's length holding f united with o (bits of o
// past f's length are dropped).
func (f Bitfield) Or(o Bitfield) Bitfield {
	r := f.Clone()
	r.OrWith(o)
	return r
}

// AndNotWith clears in f every index set in o, in place.
func (f *Bitfield) AndNotWith(o Bitfield) {
	for i := range min(len(f.b), len(o.b)) {
		f.b[i] &^= o.b[i]
	}
}

// AndWith keeps in f only indexes also set in o, in place.
func (f *Bitfield) AndWith(o Bitfield) {
	for i := range f.b {
		f.b[i] &= o.byteAt(i)
	}
}

// OrWith sets in f every index set in o, in place (bits of o past f's length
// are dropped).
func (f *Bitfield) OrWith(o Bitfield) {
	for i := range min(len(f.b), len(o.b)) {
		f.b[i] |= o.b[i]
	}
	if len(f.b) > 0 {
		f.clearSpare()
	}
}
