package sched

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// 1,000 torrents on the DHT announce one a second (900 s / 1000 < 1 s), each once per round of
// the rotation, never all at once.
func TestDHTAnnouncesAreSpreadRoundRobin(t *testing.T) {
	var a DHTAnnouncer
	for i := range 1000 {
		a.Add(t0, ID(i), false)
	}
	count := map[ID]int{}
	now := t0
	for range 2000 * 4 { // 2,000 s at 4 ticks a second
		if id, ok := a.Due(now, 15*time.Minute); ok {
			count[id]++
		}
		now = now.Add(250 * time.Millisecond)
	}
	require.Len(t, count, 1000)
	for id, n := range count {
		require.Equal(t, 2, n, "torrent %d", id)
	}
}

func TestDHTSpacingFollowsTheInterval(t *testing.T) {
	var a DHTAnnouncer
	for i := range 10 {
		a.Add(t0, ID(i), false)
	}
	_, ok := a.Due(t0, 15*time.Minute)
	require.True(t, ok)
	next, _ := a.Next()
	require.Equal(t, t0.Add(90*time.Second), next.UTC(), "900 s / 10 torrents")
}

func TestDHTNewTorrentsGoFirstAndSoon(t *testing.T) {
	var a DHTAnnouncer
	for i := range 100 {
		a.Add(t0, ID(i), false)
	}
	a.Due(t0, 15*time.Minute) // the rotation's next is 9 s away
	now := t0.Add(time.Second)
	a.Add(now, 500, true)
	a.Add(now, 501, true)
	id, ok := a.Due(now, 15*time.Minute)
	require.True(t, ok)
	require.Equal(t, ID(500), id, "at once")
	next, _ := a.Next()
	require.Equal(t, now.Add(4*time.Second), next.UTC(), "the next new one within 4 s")
	id, _ = a.Due(next, 15*time.Minute)
	require.Equal(t, ID(501), id)
	a.Remove(3)
	require.Equal(t, 101, a.Len())
}

// 10,000 torrents due at the same second start max_concurrent_http_announces at a time.
func TestTrackerAnnouncesStartAtMostTheConcurrentLimit(t *testing.T) {
	s := DefaultSettings()
	var tr Trackers
	for i := range 10_000 {
		tr.Schedule(ID(i), t0)
	}
	seen := map[ID]bool{}
	now := t0
	for len(seen) < 10_000 {
		due := tr.Due(now, &s, nil)
		require.LessOrEqual(t, tr.InFlight(), 50)
		for _, id := range due {
			require.False(t, seen[id])
			seen[id] = true
		}
		for _, id := range due { // each finishes before the next tick
			tr.Done(id)
			tr.Schedule(id, now.Add(30*time.Minute))
		}
		now = now.Add(time.Second)
	}
	require.Equal(t, t0.Add(200*time.Second), now, "50 a tick")
	require.Empty(t, tr.Due(now, &s, nil), "nobody is due before their interval")
}

func TestTrackerAnnouncesInFlightHoldBackTheRest(t *testing.T) {
	s := DefaultSettings()
	s.MaxTrackerAnnounces = 2
	var tr Trackers
	for i := range 5 {
		tr.Schedule(ID(i), t0.Add(time.Duration(i)*time.Millisecond))
	}
	later := t0.Add(time.Second)
	require.Equal(t, []ID{0, 1}, tr.Due(later, &s, nil))
	require.Empty(t, tr.Due(later, &s, nil))
	tr.Done(0)
	require.Equal(t, []ID{2}, tr.Due(later, &s, nil), "in due order")
	tr.Cancel(1)
	require.Equal(t, []ID{3}, tr.Due(later, &s, nil))
}
