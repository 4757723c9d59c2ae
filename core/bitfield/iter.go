package bitfield

import (
	"iter"
	"math/bits"
)

// NextSet returns the smallest set index >= from, or -1 if there is none.
// A negative from is treated as 0.
func (f Bitfield) NextSet(from int) int {
	return f.next(from, 0)
}

// NextClear returns the smallest clear index >= from (and < Len()), or -1 if
// there is none. A negative from is treated as 0.
func (f Bitfield) NextClear(from int) int {
	return f.next(from, 0xFF)
}

// next scans for the first bit >= from whose value, after XOR with flip, is 1.
func (f Bitfield) next(from int, flip byte) int {
	if from < 0 {
		from = 0
	}
	if from >= f.n {
		return -1
	}
	i := from >> 3
	// First (partial) byte: mask off bits before from.
	v := (f.b[i] ^ flip) & (0xFF >> (from & 7))
	for v == 0 {
		i++
		// Skip whole 64-bit words that have nothing to find.
		for i+8 <= len(f.b) {
			w := load64(f.b[i:])
			if flip != 0 {
				w = ^w
			}
			if w != 0 {
				break
			}
			i += 8
		}
		if i >= len(f.b) {
			return -1
		}
		v = f.b[i] ^ flip
	}
	idx := i<<3 + bits.LeadingZeros8(v)
	if idx >= f.n { // only reachable for flip: spare bits read as clear
		return -1
	}
	return idx
}

// Ones iterates over the set indexes in increasing order.
func (f Bitfield) Ones() iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := f.NextSet(0); i >= 0; i = f.NextSet(i + 1) {
			if !yield(i) {
				return
			}
		}
	}
}

// Zeros iterates over the clear indexes in increasing order.
func (f Bitfield) Zeros() iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := f.NextClear(0); i >= 0; i = f.NextClear(i + 1) {
			if !yield(i) {
				return
			}
		}
	}
}
