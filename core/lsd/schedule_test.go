package lsd

import (
	"testing"
	"time"

	"github.com/libbt/libbt/core/metainfo"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestScheduleAnnouncesANewTorrentAtOnceThenEveryInterval(t *testing.T) {
	s := newSchedule(5 * time.Minute)
	require.True(t, s.add(ih(1), t0))
	require.Equal(t, []metainfo.InfoHash{ih(1)}, s.due(t0))
	require.Empty(t, s.due(t0.Add(4*time.Minute)))
	require.Equal(t, t0.Add(5*time.Minute), s.wake())
	require.Equal(t, []metainfo.InfoHash{ih(1)}, s.due(t0.Add(5*time.Minute)))
}

func TestScheduleNeverAnnouncesATorrentTwiceInAMinute(t *testing.T) {
	s := newSchedule(time.Second) // raised to MinInterval
	s.add(ih(1), t0)
	require.Len(t, s.due(t0), 1)
	require.Empty(t, s.due(t0.Add(59*time.Second)))

	// Remove and add again: still not before a minute has passed.
	s.remove(ih(1))
	require.True(t, s.add(ih(1), t0.Add(10*time.Second)))
	require.Empty(t, s.due(t0.Add(30*time.Second)))
	require.Equal(t, t0.Add(MinInterval), s.wake())

	// A port change asks for announces as soon as allowed, not sooner.
	s.soon(t0.Add(20 * time.Second))
	require.Empty(t, s.due(t0.Add(59*time.Second)))
	require.Len(t, s.due(t0.Add(MinInterval)), 1)
}

func TestScheduleForgetsRemovedTorrents(t *testing.T) {
	s := newSchedule(DefaultInterval)
	s.add(ih(1), t0)
	s.add(ih(2), t0)
	require.Len(t, s.due(t0), 2)
	s.remove(ih(1))
	require.False(t, s.has(ih(1)))
	require.True(t, s.has(ih(2)))
	require.Empty(t, s.due(t0.Add(MinInterval)))
	require.NotContains(t, s.entries, ih(1), "kept only while it rate-limits a re-add")

	s.add(ih(3), t0)
	s.remove(ih(3)) // never sent: nothing to remember
	require.NotContains(t, s.entries, ih(3))
	require.False(t, s.add(ih(2), t0), "adding twice changes nothing")
}
