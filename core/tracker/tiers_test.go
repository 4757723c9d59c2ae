package tracker_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
)

func noShuffle() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func TestTiersShuffleEachTierOnceWithInjectedRand(t *testing.T) {
	list := [][]string{{"a", "b", "c", "d", "e"}, {"x", "y", "z"}}
	t1 := tracker.NewTiers(list, rand.New(rand.NewPCG(7, 7)))
	t2 := tracker.NewTiers(list, rand.New(rand.NewPCG(7, 7)))
	require.Equal(t, t1.List(), t2.List(), "same seed, same order")
	require.ElementsMatch(t, list[0], t1.List()[0], "shuffle stays within the tier")
	require.ElementsMatch(t, list[1], t1.List()[1])
	require.Equal(t, []string{"a", "b", "c", "d", "e"}, list[0], "input not modified")
}

func TestTiersDropEmptyAndDuplicateURLs(t *testing.T) {
	tr := tracker.NewTiers([][]string{{}, {"a", "", "a"}, {"a"}, {"b"}}, noShuffle())
	require.Equal(t, [][]string{{"a"}, {"b"}}, tr.List())
	require.Equal(t, 2, tr.Len())
	require.Equal(t, "", tracker.NewTiers(nil, nil).Current())
	require.False(t, tracker.NewTiers(nil, nil).Failed("a"))
}

func TestTiersFailedAdvancesThroughTierThenNextTierThenWraps(t *testing.T) {
	tr := tracker.NewTiers([][]string{{"a"}, {"b"}, {"c"}}, noShuffle())
	require.Equal(t, "a", tr.Current())
	require.False(t, tr.Failed("a"))
	require.Equal(t, "b", tr.Current())
	require.False(t, tr.Failed("x"), "unknown url ignored")
	require.False(t, tr.Failed("a"), "stale report ignored")
	require.Equal(t, "b", tr.Current())
	require.False(t, tr.Failed("b"))
	require.Equal(t, "c", tr.Current())
	require.True(t, tr.Failed("c"), "all failed: wrap and tell the caller to back off")
	require.Equal(t, "a", tr.Current())
}

func TestTiersSucceededMovesURLToFrontOfItsTier(t *testing.T) {
	tr := tracker.NewTiers([][]string{{"a"}, {"b", "c", "d"}}, nil)
	order := tr.List()[1]
	tr.Failed("a")
	// Fail through the second tier until its last URL.
	tr.Failed(order[0])
	tr.Failed(order[1])
	require.Equal(t, order[2], tr.Current())
	tr.Succeeded(order[2])
	require.Equal(t, []string{order[2], order[0], order[1]}, tr.List()[1])
	require.Equal(t, order[2], tr.Current(), "the working tracker stays current")
	require.Equal(t, []string{"a"}, tr.List()[0])
	tr.Reset()
	require.Equal(t, "a", tr.Current())
	tr.Succeeded("unknown")
	require.Equal(t, "a", tr.Current())
}
