package tracker_test

import (
	"math/rand/v2"
	"testing"
	"time"

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

func TestScheduleUsesTrackerIntervalAndMinInterval(t *testing.T) {
	now := time.Unix(1000, 0)
	var s tracker.Schedule
	require.True(t, s.Due(now), "never announced: due at once")
	next := s.Succeeded(now, &tracker.AnnounceResponse{Interval: 20 * time.Minute, MinInterval: 5 * time.Minute})
	require.Equal(t, now.Add(20*time.Minute), next)
	require.Equal(t, next, s.Next())
	require.False(t, s.Due(now.Add(19*time.Minute)))
	require.True(t, s.Due(now.Add(20*time.Minute)))
	require.Equal(t, now.Add(5*time.Minute), s.EarliestManual())

	// An interval below the min interval is raised to it.
	next = s.Succeeded(now, &tracker.AnnounceResponse{Interval: time.Second, MinInterval: 2 * time.Minute})
	require.Equal(t, now.Add(2*time.Minute), next)
	// No interval at all: defaults.
	next = s.Succeeded(now, &tracker.AnnounceResponse{})
	require.Equal(t, now.Add(tracker.DefaultInterval), next)
	require.Equal(t, now.Add(tracker.DefaultMinInterval), s.EarliestManual())
	s2 := tracker.Schedule{DefaultInterval: time.Minute, MinInterval: 10 * time.Second}
	require.Equal(t, now.Add(time.Minute), s2.Succeeded(now, nil))
}

func TestScheduleBacksOffExponentiallyOnFailureAndResetsOnSuccess(t *testing.T) {
	now := time.Unix(1000, 0)
	s := tracker.Schedule{BackoffBase: 10 * time.Second, BackoffMax: 100 * time.Second}
	var delays []time.Duration
	for range 6 {
		delays = append(delays, s.Failed(now).Sub(now))
	}
	require.Equal(t, []time.Duration{10e9, 20e9, 40e9, 80e9, 100e9, 100e9}, delays)
	require.Equal(t, 6, s.Failures())
	require.True(t, s.EarliestManual().IsZero(), "after a failure a manual announce may go at once")
	s.Succeeded(now, &tracker.AnnounceResponse{Interval: time.Hour})
	require.Equal(t, 0, s.Failures())
	require.Zero(t, s.Backoff())
	require.Equal(t, 10*time.Second, s.Failed(now).Sub(now))

	var d tracker.Schedule
	for range 100 { // no overflow with many failures
		d.Failed(now)
	}
	require.Equal(t, tracker.DefaultBackoffMax, d.Backoff())
	d.Reset()
	require.True(t, d.Due(time.Time{}))
	require.Zero(t, d.Failures())
}
