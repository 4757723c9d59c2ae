package sched

import (
	"testing"
	"time"
)

// One scheduler tick over 10,000 torrents of which 100 have work each second (the rest paused
// or idle, their announces far off): the cost follows the 100, not the 10,000.
func BenchmarkTick10000Torrents100Active(b *testing.B) {
	s := New(DefaultSettings())
	for i := range 10_000 {
		id := ID(i)
		if i%100 == 0 {
			s.Active(id)
			s.Conns.Update(id, 1, 5, i%200 == 0)
			s.DHT.Add(t0, id, false)
		}
		s.Trackers.Schedule(id, t0.Add(time.Duration(i)*time.Minute))
	}
	now := t0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p := s.Tick(now)
		if len(p.Torrents) != 100 {
			b.Fatalf("%d ticked", len(p.Torrents))
		}
		now = now.Add(time.Second)
	}
}

// The same tick over 10,000 torrents all paused.
func BenchmarkTick10000TorrentsAllPaused(b *testing.B) {
	s := New(DefaultSettings())
	now := t0
	b.ReportAllocs()
	for range b.N {
		s.Tick(now)
		now = now.Add(time.Second)
	}
}

// One session-wide unchoke round over 200 peers (connections_limit) of 40 torrents.
func BenchmarkRechoke200Peers(b *testing.B) {
	s := DefaultSettings()
	peers := make([]Peer, 200)
	for i := range peers {
		peers[i] = Peer{Key: uint64(i), Torrent: ID(i % 40), Interested: i%4 != 0, Choked: i%3 != 0,
			DownloadedInRound: int64(i*7919) % 50000, UploadedInRound: int64(i*104729) % 70000, PieceLength: 1 << 18}
	}
	var u Unchoker
	var dst []Change
	b.ReportAllocs()
	for range b.N {
		dst = u.Rechoke(t0, peers, &s, dst[:0])
		dst = u.Optimistic(t0, peers, &s, dst[:0])
	}
}

// A connection plan among 2,000 torrents that want peers.
func BenchmarkConnPlan2000Wanting(b *testing.B) {
	s := DefaultSettings()
	var c Conns
	for i := range 2000 {
		c.Update(ID(i), 0, 5, i%5 == 0)
	}
	var dst []Grant
	b.ReportAllocs()
	for i := range b.N {
		c.Update(ID(i%2000), 0, 5+i%2, (i%2000)%5 == 0) // a change, so the fair share is recomputed
		dst = c.Plan(&s, dst[:0])
	}
}
