package sched

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultSettingsAreLibtorrents(t *testing.T) {
	// settings_pack.cpp, libtorrent 2.0.
	require.Equal(t, Settings{
		UnchokeSlots: 8, Choking: FixedSlots, SeedChoking: RoundRobin, OptimisticSlots: 0,
		UnchokeInterval: 15 * time.Second, OptimisticInterval: 30 * time.Second,
		SeedingPieceQuota: 20, RateChokerInitial: 1024, ConnectionsLimit: 200,
		ConnectionSpeed: 30, ConnectSeedEvery: 10, DHTAnnounceInterval: 15 * time.Minute,
		MaxTrackerAnnounces: 50,
	}, DefaultSettings())
}

func TestTableNamesAreUniqueAndDefaultsInRange(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range Table {
		require.False(t, seen[d.Name], d.Name)
		seen[d.Name] = true
		require.NoError(t, d.Check(d.Default), d.Name)
		require.Error(t, d.Check(d.Min-1), d.Name)
		require.Error(t, d.Check(d.Max+1), d.Name)
		require.NotEmpty(t, d.Doc, d.Name)
	}
	choking := Table[1]
	require.Equal(t, "choking_algorithm", choking.Name)
	require.Error(t, choking.Check(1), "bittyrant is gone in libtorrent 2.0")
	s := Load(func(name string) int64 {
		if name == "unchoke_slots_limit" {
			return 3
		}
		for _, d := range Table {
			if d.Name == name {
				return d.Default
			}
		}
		t.Fatalf("unknown %s", name)
		return 0
	})
	require.Equal(t, 3, s.UnchokeSlots)
}

// 5,000 torrents, most paused: only the active ones tick, each once a second; pausing one
// stops its ticks at once; the unchoke rounds run on their intervals.
func TestSchedulerTicksOnlyTorrentsWithWork(t *testing.T) {
	s := New(DefaultSettings())
	const n = 5000
	for i := range n {
		if i%100 == 0 {
			s.Active(ID(i))
		}
	}
	require.Equal(t, 50, s.Ticking())
	now := t0
	ticks := map[ID]int{}
	rechokes, optimistic := 0, 0
	for step := range 60 * 4 { // a minute at 4 Hz
		if step == 40 {
			s.Sleep(100) // paused after 10 s
		}
		p := s.Tick(now)
		for _, id := range p.Torrents {
			require.Zero(t, id%100)
			ticks[id]++
		}
		if p.Rechoke {
			rechokes++
		}
		if p.Optimistic {
			optimistic++
		}
		now = now.Add(250 * time.Millisecond)
	}
	require.Len(t, ticks, 50)
	for id, c := range ticks {
		if id == 100 {
			require.Equal(t, 10, c)
			continue
		}
		require.Equal(t, 60, c, "torrent %d", id)
	}
	require.Equal(t, 4, rechokes, "every 15 s")
	require.Equal(t, 2, optimistic, "every 30 s")
}

func TestWakeAtTicksASleepingTorrentOnce(t *testing.T) {
	s := New(DefaultSettings())
	s.Active(1)
	s.WakeAt(2, t0.Add(2500*time.Millisecond))
	s.WakeAt(2, t0.Add(5*time.Second)) // later: the earlier one stands
	s.WakeAt(1, t0.Add(2*time.Second)) // an active torrent is not ticked twice
	var got [][]ID
	for i := range 4 {
		got = append(got, append([]ID(nil), s.Tick(t0.Add(time.Duration(i)*time.Second)).Torrents...))
	}
	require.Equal(t, [][]ID{{1}, {1}, {1}, {1, 2}}, got)
	wake, _ := s.NextWake(t0.Add(3 * time.Second))
	require.Equal(t, t0.Add(4*time.Second), wake.UTC())
}

func TestAnAllPausedSessionHasNothingToWakeFor(t *testing.T) {
	s := New(DefaultSettings())
	for i := range 10_000 {
		s.Active(ID(i))
		s.Conns.Update(ID(i), 1, 3, false)
		s.DHT.Add(t0, ID(i), true)
		s.Trackers.Schedule(ID(i), t0)
	}
	_, ok := s.NextWake(t0)
	require.True(t, ok)
	for i := range 10_000 {
		s.Remove(ID(i))
	}
	_, ok = s.NextWake(t0)
	require.False(t, ok)
	p := s.Tick(t0.Add(time.Hour))
	require.Empty(t, p.Torrents)
	require.False(t, p.Rechoke)
	require.Empty(t, p.DHT)
	require.Empty(t, p.Trackers)
	require.Empty(t, p.Connect)
}

// Starting 2,000 torrents at once: announces and connections are spread over the following
// ticks, not all at the first.
func TestStartingThousandsOfTorrentsSpreadsTheirWork(t *testing.T) {
	st := DefaultSettings()
	s := New(st)
	const n = 2000
	for i := range n {
		s.Active(ID(i))
		s.DHT.Add(t0, ID(i), true)
		s.Trackers.Schedule(ID(i), t0)
		s.Conns.Update(ID(i), 0, 50, false)
	}
	p := s.Tick(t0)
	require.Len(t, p.Torrents, n)
	require.Len(t, p.DHT, 1)
	require.Len(t, p.Trackers, st.MaxTrackerAnnounces)
	total := 0
	for _, g := range p.Connect {
		total += g.Attempts
	}
	require.Equal(t, st.ConnectionSpeed, total)
	wake, ok := s.NextWake(t0)
	require.True(t, ok)
	require.Equal(t, t0.Add(time.Second), wake.UTC())
}
