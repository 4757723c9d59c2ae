package queue

import (
	"math/rand/v2"
	"testing"
	"time"
)

// benchTorrents is a seedbox-like session: n auto-managed torrents, a fifth of them downloading
// in queue order, the rest finished with varied swarms, times and ratios; some running.
func benchTorrents(n int) []Torrent {
	rng := rand.New(rand.NewPCG(3, 5))
	ts := make([]Torrent, n)
	pos := Position(0)
	for i := range ts {
		t := Torrent{ID: ID(i + 1), AutoManaged: true, Paused: i%50 != 0, TotalSize: 1 << 24,
			ScrapeComplete: rng.IntN(100) - 1, ScrapeIncomplete: rng.IntN(100) - 1,
			ActiveBefore: time.Duration(rng.IntN(100_000)) * time.Second, Started: t0.Add(-time.Hour)}
		if !t.Paused {
			t.Announce = AnnounceAll
		}
		if i%5 == 0 {
			t.State, t.Position = StateDownloading, pos
			pos++
		} else {
			t.State, t.Position = StateSeeding, NoPosition
			t.FinishedBefore = t.ActiveBefore / 2
			t.BecameFinished = t.Started
			t.TotalDownloaded, t.TotalUploaded = 1<<24, int64(rng.IntN(4<<24))
		}
		ts[i] = t
	}
	return ts
}

// One queue pass over 10,000 torrents, as the scheduler runs it on its tick. Reports ns per
// torrent.
func BenchmarkPlan10000(b *testing.B) {
	ts := benchTorrents(10_000)
	s := DefaultSettings()
	var pl Planner
	pl.Plan(t0, ts, &s) // warm the scratch space
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		pl.Plan(t0, ts, &s)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(ts)), "ns/torrent")
}

// Moving a torrent from the back to the front of a 10,000-torrent queue: every position shifts.
func BenchmarkQueueTopOf10000(b *testing.B) {
	q := New(func(ID, Position) {})
	for i := 1; i <= 10_000; i++ {
		q.Enqueue(ID(i))
	}
	b.ReportAllocs()
	for b.Loop() {
		id, _ := q.At(Position(q.Len() - 1))
		_ = q.Top(id)
	}
}

// The slow-flag filter, once per running torrent per second.
func BenchmarkActivityTick(b *testing.B) {
	s := DefaultSettings()
	var a Activity
	now := t0
	for b.Loop() {
		now = now.Add(time.Second)
		a.Tick(now, false, 1000, 0, &s)
	}
}
