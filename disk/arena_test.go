package disk

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// writeSlab writes 64 blocks (one slab's worth: four 256 KiB pieces) of st into d's cache,
// without finishing the pieces, so they stay cached as dirty blocks.
func writeSlab(t *testing.T, d *IO, st *Storage, data []byte) {
	t.Helper()
	for p := range 4 {
		pc := Piece{Index: p, Offset: int64(p) << 18, Size: 1 << 18}
		errs := make(chan error, 16)
		for bi := range 16 {
			off := pc.Offset + int64(bi)*BlockSize
			d.WriteBlock(st, pc, bi*BlockSize, data[off:off+BlockSize], func(err error) { errs <- err })
		}
		for range 16 {
			require.NoError(t, wait(t, errs))
		}
	}
}

func closeStorage(t *testing.T, d *IO, st *Storage, remove bool) {
	t.Helper()
	done := make(chan error, 1)
	if remove {
		d.RemoveStorage(st, func(err error) { done <- err })
	} else {
		d.CloseStorage(st, func(err error) { done <- err })
	}
	require.NoError(t, wait(t, done))
}

func TestClosedStoragesGiveTheirCacheMemoryBack(t *testing.T) {
	orig := mlock
	t.Cleanup(func() { mlock = orig })
	locked := 0
	mlock = func(b []byte) error { locked += len(b); return nil }
	files := []FileSpec{{Path: []string{"f"}, Length: 1 << 20}}
	data := randomBytes(1<<20, 7)
	d := newIO(t, IOOptions{Cache: CacheOptions{Size: 4 << 20}})
	a := openStorage(t, t.TempDir(), files)
	b := openStorage(t, t.TempDir(), files)
	writeSlab(t, d, a, data)
	writeSlab(t, d, b, data)
	s := d.Stats()
	require.EqualValues(t, 128, s.WriteBlocks)
	require.EqualValues(t, 2<<20, s.MappedBytes, "two slabs")
	require.EqualValues(t, 2<<20, s.LockedBytes)

	closeStorage(t, d, a, false) // flushed, then dropped: its slab is wholly free
	s = d.Stats()
	require.EqualValues(t, 64, s.WriteBlocks)
	require.EqualValues(t, 1<<20, s.MappedBytes, "a's slab unmapped")
	require.EqualValues(t, 1<<20, s.LockedBytes)

	closeStorage(t, d, b, true) // dropped unwritten
	s = d.Stats()
	require.Zero(t, s.WriteBlocks+s.ReadBlocks)
	require.Zero(t, s.MappedBytes, "every slab unmapped")
	require.Zero(t, s.LockedBytes)

	// The cache still works: memory is mapped and locked again on demand.
	c := openStorage(t, t.TempDir(), files)
	writeSlab(t, d, c, data)
	s = d.Stats()
	require.EqualValues(t, 1<<20, s.MappedBytes)
	require.EqualValues(t, 1<<20, s.LockedBytes)
	require.EqualValues(t, 3<<20, locked, "three slabs locked in all")
}

func TestTrimKeepsSlabsWithASlotInUse(t *testing.T) {
	a := newArena(3*slabBlocks+5, false, nil)
	var held [][]byte
	for range 3*slabBlocks + 5 {
		b := a.get()
		require.NotNil(t, b)
		held = append(held, b)
	}
	require.Nil(t, a.get(), "budget used up")
	require.Len(t, a.slabs, 4, "three full slabs and a small one")
	// Free everything but one slot of the second slab.
	keep := held[slabBlocks+10]
	for _, b := range held {
		if &b[0] != &keep[0] {
			a.put(b)
		}
	}
	a.trim()
	require.Len(t, a.slabs, 1)
	require.Equal(t, slabBlocks, a.carved)
	require.Equal(t, slabBlocks-1, len(a.free))
	require.EqualValues(t, slabBlocks*BlockSize, a.slabBytes.Load())
	for _, b := range a.free {
		require.True(t, within(b, a.slabs[0].mem), "free slots all in the kept slab")
	}
	require.True(t, within(keep, a.slabs[0].mem))
	a.put(keep)
	a.trim()
	require.Empty(t, a.slabs)
	require.Zero(t, a.carved)
	require.Empty(t, a.free)
	require.Zero(t, a.slabBytes.Load())
	require.NotNil(t, a.get(), "grows again")
	a.release()
}

// within reports whether slot b lies inside mem.
func within(b, mem []byte) bool {
	p, lo := uintptr(unsafe.Pointer(&b[0])), uintptr(unsafe.Pointer(&mem[0]))
	return p >= lo && p+uintptr(len(b)) <= lo+uintptr(len(mem))
}
