package disk

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSchedulerOrdersOnlyConflictingJobs(t *testing.T) {
	var s scheduler
	const mib = 1 << 20
	w1 := &job{off: 0, end: 3 * mib, excl: true} // spans 3 regions
	r1 := &job{off: mib, end: 2 * mib}           // overlaps w1
	r2 := &job{off: mib, end: 2 * mib}           // reads do not order each other
	w2 := &job{off: 5 * mib, end: 6 * mib, excl: true}
	w3 := &job{off: 2*mib - 1, end: 5*mib + 1, excl: true} // overlaps w1, r1, r2, w2
	empty := &job{off: 7, end: 7, excl: true}

	require.True(t, s.add(w1))
	require.False(t, s.add(r1))
	require.False(t, s.add(r2))
	require.True(t, s.add(w2))
	require.False(t, s.add(w3))
	require.True(t, s.add(empty))
	require.Equal(t, 1, r1.deps)
	require.Equal(t, 4, w3.deps, "each conflict counted once although it shares several regions with w1")

	barrier := &job{off: 0, end: barrierEnd, excl: true}
	require.False(t, s.add(barrier))
	require.Equal(t, 5, barrier.deps)
	after := &job{off: 100 * mib, end: 100*mib + 1}
	require.False(t, s.add(after), "a disjoint read still waits for the barrier")

	require.ElementsMatch(t, []*job{r1, r2}, s.finish(w1))
	require.Empty(t, s.finish(w2))
	require.Empty(t, s.finish(r1))
	require.Equal(t, []*job{w3}, s.finish(r2))
	require.Equal(t, []*job{barrier}, s.finish(w3))
	require.Empty(t, s.finish(empty))
	require.Equal(t, []*job{after}, s.finish(barrier))
	require.Empty(t, s.finish(after))
	require.Zero(t, s.pending())
	require.Empty(t, s.buckets)
	require.Empty(t, s.wide)
}
