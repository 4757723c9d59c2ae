package shrink

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDeleteGivesBackAMapsSlots(t *testing.T) {
	m, peak := map[int]int{}, 0
	for i := range 1000 {
		m[i] = i
	}
	orig := m
	for i := range 750 {
		m = Delete(m, &peak, i)
	}
	require.Len(t, m, 250)
	require.Equal(t, 1000, peak, "the peak is learnt on the first delete")
	m = Delete(m, &peak, 750)
	require.Len(t, m, 249)
	orig[-1] = -1
	_, shared := m[-1]
	require.False(t, shared, "below a quarter of its peak the map is a fresh copy")
	require.Equal(t, 249, peak)
	for i := 751; i < 1000; i++ {
		m = Delete(m, &peak, i)
	}
	require.Empty(t, m)
}

func TestDeleteOfAMissingKeyChangesNothing(t *testing.T) {
	m, peak := map[int]int{1: 1}, 0
	m2 := Delete(m, &peak, 2)
	require.Equal(t, 0, peak)
	m2[3] = 3
	require.Len(t, m, 2, "the same map is returned")
}

// The point of it all: after a map of 100,000 entries is emptied through Delete, the heap is
// back near where it was (a plain delete keeps every bucket: several MB here).
func TestDeleteReturnsTheHeap(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	before := heap()
	m, peak := map[int][32]byte{}, 0
	for i := range 100_000 {
		m[i] = [32]byte{}
	}
	full := heap() - before
	for i := range 100_000 {
		m = Delete(m, &peak, i)
	}
	after := heap() - before
	runtime.KeepAlive(m)
	require.Greater(t, full, int64(3<<20))
	require.Less(t, after, full/100, "full %d B, after deleting all %d B", full, after)
}

func TestSetMakesTheMapOnFirstUse(t *testing.T) {
	var m map[string]int
	require.Zero(t, m["a"], "a nil map reads as empty")
	Set(&m, "a", 1)
	require.Equal(t, map[string]int{"a": 1}, m)
	Set(&m, "b", 2)
	require.Len(t, m, 2)
}
