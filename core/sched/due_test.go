package sched

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)

func TestDuePopsOnlyWhatIsDueEarliestFirst(t *testing.T) {
	var d Due
	d.Set(1, t0.Add(3*time.Second))
	d.Set(2, t0.Add(1*time.Second))
	d.Set(3, t0.Add(2*time.Second))
	d.Set(4, t0.Add(time.Hour))
	require.Equal(t, []ID{2, 3}, d.Pop(t0.Add(2*time.Second), -1, nil))
	require.Equal(t, 2, d.Len())
	require.Equal(t, []ID{1}, d.Pop(t0.Add(10*time.Second), 1, nil))
	next, ok := d.Next()
	require.True(t, ok)
	require.Equal(t, t0.Add(time.Hour), next.UTC())
}

func TestDueSetMovesAndCancelRemoves(t *testing.T) {
	var d Due
	d.Set(1, t0.Add(time.Second))
	d.Set(2, t0.Add(2*time.Second))
	d.Set(1, t0.Add(5*time.Second)) // moved later
	d.SetEarlier(2, t0.Add(10*time.Second))
	require.True(t, d.Cancel(2))
	require.False(t, d.Cancel(2))
	require.Empty(t, d.Pop(t0.Add(4*time.Second), -1, nil))
	require.Equal(t, []ID{1}, d.Pop(t0.Add(5*time.Second), -1, nil))
	_, ok := d.When(1)
	require.False(t, ok)
}

func TestDuePopEveryKeepsPeriodAndDoesNotBurstAfterAStall(t *testing.T) {
	var d Due
	d.Set(7, t0)
	require.Equal(t, []ID{7}, d.PopEvery(t0, time.Second, nil))
	at, _ := d.When(7)
	require.Equal(t, t0.Add(time.Second), at.UTC())
	// The scheduler stalled ten seconds: one tick, next one a period after now.
	require.Equal(t, []ID{7}, d.PopEvery(t0.Add(11*time.Second), time.Second, nil))
	at, _ = d.When(7)
	require.Equal(t, t0.Add(12*time.Second), at.UTC())
}

// Thousands of random operations against a plain map model.
func TestDueMatchesAModelOverRandomOperations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var d Due
	model := map[ID]time.Time{}
	now := t0
	for range 50_000 {
		id := ID(rng.IntN(3000))
		switch rng.IntN(4) {
		case 0, 1:
			at := now.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
			d.Set(id, at)
			model[id] = at
		case 2:
			_, had := model[id]
			require.Equal(t, had, d.Cancel(id))
			delete(model, id)
		case 3:
			now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
			got := d.Pop(now, -1, nil)
			var want []ID
			for id, at := range model {
				if !at.After(now) {
					want = append(want, id)
					delete(model, id)
				}
			}
			slices.Sort(want)
			slices.Sort(got)
			require.Equal(t, want, got)
		}
		require.Equal(t, len(model), d.Len())
	}
}
