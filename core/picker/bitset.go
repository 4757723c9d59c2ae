package picker

import "math/bits"

// bitset is the picker's internal set of piece indexes. It is separate from
// bitfield.Bitfield because the picker needs word-level NextSet on sets it
// alone mutates, and keeps no wire representation.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) clear(i int)    { b[i>>6] &^= 1 << (uint(i) & 63) }
func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }

// nextSet returns the first set index >= from, or -1.
func (b bitset) nextSet(from int) int {
	if from < 0 {
		from = 0
	}
	w := from >> 6
	if w >= len(b) {
		return -1
	}
	word := b[w] >> (uint(from) & 63)
	if word != 0 {
		return from + bits.TrailingZeros64(word)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w<<6 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}
