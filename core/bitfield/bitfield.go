package bitfield

import (
	"fmt"
	"math/bits"
	"strings"
)

// Bitfield is a fixed-length set of piece indexes [0, Len()).
// The zero value is an empty bitfield of length 0.
type Bitfield struct {
	b []byte // wire format; spare bits in the last byte are always zero
	n int    // number of valid bits
}

// byteLen is the number of bytes needed to hold n bits.
func byteLen(n int) int { return (n + 7) / 8 }

// New returns a bitfield of n bits, all clear. A negative n gives length 0.
func New(n int) Bitfield {
	if n < 0 {
		n = 0
	}
	return Bitfield{b: make([]byte, byteLen(n)), n: n}
}

// FromBytes copies a wire-format bitfield of n bits. It fails if b is not
// exactly ceil(n/8) bytes long or if any spare bit past n is set (BEP 3 says
// spare bits must be zero; a peer that sets them is broken or hostile).
func FromBytes(b []byte, n int) (Bitfield, error) {
	if n < 0 {
		return Bitfield{}, fmt.Errorf("bitfield: negative length %d", n)
	}
	if want := byteLen(n); len(b) != want {
		return Bitfield{}, fmt.Errorf("bitfield: %d bytes for %d pieces, want %d", len(b), n, want)
	}
	if r := n % 8; r != 0 && b[len(b)-1]&(0xFF>>r) != 0 {
		return Bitfield{}, fmt.Errorf("bitfield: spare bits set in last byte %#02x for %d pieces", b[len(b)-1], n)
	}
	c := make([]byte, len(b))
	copy(c, b)
	return Bitfield{b: c, n: n}, nil
}

// Bytes returns the wire-format bytes. The slice aliases the bitfield's
// storage: do not modify it, and copy it if it must outlive later changes.
func (f Bitfield) Bytes() []byte { return f.b }

// Len returns the number of bits (pieces).
func (f Bitfield) Len() int { return f.n }

// Has reports whether bit i is set. Out-of-range i reports false.
func (f Bitfield) Has(i int) bool {
	if uint(i) >= uint(f.n) {
		return false
	}
	return f.b[i>>3]&(0x80>>(i&7)) != 0
}

// Set sets bit i. Out-of-range i is ignored.
func (f *Bitfield) Set(i int) {
	if uint(i) >= uint(f.n) {
		return
	}
	f.b[i>>3] |= 0x80 >> (i & 7)
}

// Clear clears bit i. Out-of-range i is ignored.
func (f *Bitfield) Clear(i int) {
	if uint(i) >= uint(f.n) {
		return
	}
	f.b[i>>3] &^= 0x80 >> (i & 7)
}

// SetAll sets every bit in [0, Len()).
func (f *Bitfield) SetAll() {
	if f.n == 0 {
		return
	}
	for i := range f.b {
		f.b[i] = 0xFF
	}
	f.clearSpare()
}

// ClearAll clears every bit.
func (f *Bitfield) ClearAll() { clear(f.b) }

// clearSpare restores the invariant that bits past n are zero.
func (f *Bitfield) clearSpare() {
	if r := f.n % 8; r != 0 {
		f.b[len(f.b)-1] &= 0xFF << (8 - r)
	}
}

// Count returns the number of set bits.
func (f Bitfield) Count() int { return popcount(f.b) }

// All reports whether every bit is set. An empty bitfield reports true.
func (f Bitfield) All() bool { return f.Count() == f.n }

// None reports whether no bit is set.
func (f Bitfield) None() bool {
	for _, v := range f.b {
		if v != 0 {
			return false
		}
	}
	return true
}

// Clone returns an independent copy.
func (f Bitfield) Clone() Bitfield {
	c := make([]byte, len(f.b))
	copy(c, f.b)
	return Bitfield{b: c, n: f.n}
}

// Equal reports whether f and o have the same length and bits.
func (f Bitfield) Equal(o Bitfield) bool {
	return f.n == o.n && string(f.b) == string(o.b)
}

// String renders the bits as '1' and '0', piece 0 first (for debugging).
func (f Bitfield) String() string {
	var sb strings.Builder
	sb.Grow(f.n)
	for i := range f.n {
		if f.Has(i) {
			sb.WriteByte('1')
		} else {
			sb.WriteByte('0')
		}
	}
	return sb.String()
}

// popcount counts set bits in b, eight bytes at a time.
func popcount(b []byte) int {
	n := 0
	for len(b) >= 8 {
		n += bits.OnesCount64(load64(b))
		b = b[8:]
	}
	for _, v := range b {
		n += bits.OnesCount8(v)
	}
	return n
}

// load64 reads 8 bytes big-endian so that bit order matches piece order.
func load64(b []byte) uint64 {
	_ = b[7]
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
		uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
}
