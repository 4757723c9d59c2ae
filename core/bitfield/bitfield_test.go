package bitfield

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBytesUseBigEndianBitOrder(t *testing.T) {
	f := New(10)
	f.Set(0)
	f.Set(9)
	require.Equal(t, []byte{0x80, 0x40}, f.Bytes())
	f.Set(7)
	f.Set(8)
	require.Equal(t, []byte{0x81, 0xC0}, f.Bytes())
	require.Equal(t, "1000000111", f.String())
}

func TestNewSizesStorageToWholeBytes(t *testing.T) {
	for _, tc := range []struct{ n, bytes int }{{0, 0}, {1, 1}, {8, 1}, {9, 2}, {16, 2}, {17, 3}} {
		f := New(tc.n)
		require.Equal(t, tc.n, f.Len())
		require.Len(t, f.Bytes(), tc.bytes)
		require.True(t, f.None())
	}
	require.Equal(t, 0, New(-5).Len())
}

func TestFromBytesRejectsWrongLength(t *testing.T) {
	_, err := FromBytes([]byte{0, 0}, 17)
	require.ErrorContains(t, err, "want 3")
	_, err = FromBytes([]byte{0, 0, 0}, 16)
	require.Error(t, err)
	_, err = FromBytes(nil, -1)
	require.Error(t, err)
}

func TestFromBytesRejectsSpareBits(t *testing.T) {
	_, err := FromBytes([]byte{0xFF, 0x01}, 15)
	require.ErrorContains(t, err, "spare bits")
	_, err = FromBytes([]byte{0xFF, 0x20}, 10)
	require.ErrorContains(t, err, "spare bits")
	f, err := FromBytes([]byte{0xFF, 0xC0}, 10)
	require.NoError(t, err)
	require.True(t, f.All())
	require.Equal(t, 10, f.Count())
}

func TestFromBytesCopiesInput(t *testing.T) {
	in := []byte{0x80}
	f, err := FromBytes(in, 8)
	require.NoError(t, err)
	in[0] = 0
	require.True(t, f.Has(0))
}

func TestOutOfRangeIndexesAreIgnored(t *testing.T) {
	f := New(10)
	for _, i := range []int{-1, 10, 11, 16, 1 << 40, -1 << 40} {
		require.NotPanics(t, func() {
			f.Set(i)
			f.Clear(i)
			require.False(t, f.Has(i))
		})
	}
	require.True(t, f.None())
	var zero Bitfield
	require.NotPanics(t, func() {
		zero.Set(0)
		zero.SetAll()
		zero.ClearAll()
	})
	require.False(t, zero.Has(0))
	require.Equal(t, -1, zero.NextSet(0))
	require.Equal(t, -1, zero.NextClear(0))
}

func TestSetAllLeavesSpareBitsClear(t *testing.T) {
	f := New(13)
	f.SetAll()
	require.Equal(t, []byte{0xFF, 0xF8}, f.Bytes())
	require.True(t, f.All())
	require.Equal(t, 13, f.Count())
	_, err := FromBytes(f.Bytes(), 13)
	require.NoError(t, err)
	f.ClearAll()
	require.True(t, f.None())
}

func TestAllAndNone(t *testing.T) {
	f := New(3)
	require.True(t, f.None())
	require.False(t, f.All())
	f.Set(1)
	require.False(t, f.None())
	require.False(t, f.All())
	f.Set(0)
	f.Set(2)
	require.True(t, f.All())
	require.True(t, New(0).All())
	require.True(t, New(0).None())
}

func TestCloneIsIndependent(t *testing.T) {
	f := New(20)
	f.Set(3)
	c := f.Clone()
	c.Set(4)
	f.Clear(3)
	require.True(t, c.Has(3))
	require.False(t, f.Has(4))
	require.False(t, f.Equal(c))
	require.True(t, c.Equal(c.Clone()))
}

func TestNextSetAndNextClearWalkEveryIndex(t *testing.T) {
	f := New(200)
	want := []int{0, 7, 8, 63, 64, 65, 130, 199}
	for _, i := range want {
		f.Set(i)
	}
	var got []int
	for i := f.NextSet(0); i >= 0; i = f.NextSet(i + 1) {
		got = append(got, i)
	}
	require.Equal(t, want, got)
	require.Equal(t, want, slices.Collect(f.Ones()))
	require.Equal(t, 0, f.NextSet(-3))
	require.Equal(t, -1, f.NextSet(200))
	require.Equal(t, 1, f.NextClear(0))
	require.Equal(t, 9, f.NextClear(8))
	require.Equal(t, 66, f.NextClear(63))
	zeros := slices.Collect(f.Zeros())
	require.Len(t, zeros, 200-len(want))
}

func TestNextClearNeverReturnsSpareBits(t *testing.T) {
	f := New(13)
	f.SetAll()
	require.Equal(t, -1, f.NextClear(0))
	f.Clear(12)
	require.Equal(t, 12, f.NextClear(0))
	g := New(130)
	g.SetAll()
	require.Equal(t, -1, g.NextClear(5))
}

func TestCountUsesWholeWordsAndTail(t *testing.T) {
	f := New(1000)
	for i := 0; i < 1000; i += 3 {
		f.Set(i)
	}
	require.Equal(t, 334, f.Count())
}

// model is a reference implementation to check the bit tricks against.
type model map[int]bool

func randomPair(r *rand.Rand, n int) (Bitfield, model) {
	f := New(n)
	m := model{}
	for i := range n {
		if r.IntN(3) == 0 {
			f.Set(i)
			m[i] = true
		}
	}
	return f, m
}

func TestOperationsMatchReferenceModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		n := r.IntN(300)
		f, fm := randomPair(r, n)
		o, om := randomPair(r, r.IntN(300)) // lengths may differ
		count, intersects, anyNotIn, andNot := 0, false, false, 0
		for i := range n {
			if fm[i] {
				count++
				if om[i] {
					intersects = true
				} else {
					anyNotIn = true
					andNot++
				}
			}
		}
		require.Equal(t, count, f.Count())
		require.Equal(t, intersects, f.Intersects(o))
		require.Equal(t, anyNotIn, f.AnyNotIn(o))
		require.Equal(t, andNot, f.CountAndNot(o))

		an, a, or := f.AndNot(o), f.And(o), f.Or(o)
		for i := range n {
			require.Equal(t, fm[i] && !om[i], an.Has(i), "AndNot %d", i)
			require.Equal(t, fm[i] && om[i], a.Has(i), "And %d", i)
			require.Equal(t, fm[i] || om[i], or.Has(i), "Or %d", i)
		}
		for _, g := range []Bitfield{an, a, or} {
			require.Equal(t, n, g.Len())
			_, err := FromBytes(g.Bytes(), n) // spare bits stay clear
			require.NoError(t, err)
		}
		// NextSetAndNot walks exactly the AndNot set.
		var walked []int
		for i := f.NextSetAndNot(o, 0); i >= 0; i = f.NextSetAndNot(o, i+1) {
			walked = append(walked, i)
		}
		require.Equal(t, slices.Collect(an.Ones()), walked)
		// NextSet / NextClear from a random start.
		if n > 0 {
			from := r.IntN(n)
			wantSet, wantClear := -1, -1
			for i := from; i < n; i++ {
				if fm[i] && wantSet < 0 {
					wantSet = i
				}
				if !fm[i] && wantClear < 0 {
					wantClear = i
				}
			}
			require.Equal(t, wantSet, f.NextSet(from))
			require.Equal(t, wantClear, f.NextClear(from))
		}
	}
}

func TestSetOpsDoNotModifyOperands(t *testing.T) {
	f := New(16)
	f.Set(1)
	f.Set(2)
	o := New(16)
	o.Set(2)
	o.Set(3)
	_ = f.AndNot(o)
	_ = f.And(o)
	_ = f.Or(o)
	require.Equal(t, []byte{0x60, 0}, f.Bytes())
	require.Equal(t, []byte{0x30, 0}, o.Bytes())
	f.AndNotWith(o)
	require.Equal(t, []byte{0x40, 0}, f.Bytes())
}

func TestPeerInterestingWhenItHasAPieceWeLack(t *testing.T) {
	mine, peer := New(40), New(40)
	mine.Set(5)
	peer.Set(5)
	require.False(t, peer.AnyNotIn(mine))
	peer.Set(33)
	require.True(t, peer.AnyNotIn(mine))
	require.Equal(t, 33, peer.NextSetAndNot(mine, 0))
	require.Equal(t, -1, peer.NextSetAndNot(mine, 34))
}

func BenchmarkCount(b *testing.B) {
	f := New(100_000)
	for i := 0; i < f.Len(); i += 7 {
		f.Set(i)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = f.Count()
	}
}

func BenchmarkNextSetAndNotSparse(b *testing.B) {
	mine, peer := New(100_000), New(100_000)
	mine.SetAll()
	mine.Clear(99_999)
	peer.SetAll()
	b.ReportAllocs()
	for b.Loop() {
		_ = peer.NextSetAndNot(mine, 0)
	}
}
