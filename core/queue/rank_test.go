package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Mirrors libtorrent 2.0's torrent::seed_rank, case by case.
func TestSeedRankMirrorsLibtorrent(t *testing.T) {
	now := t0.Add(100 * time.Hour)
	// base: a paused seed that downloaded for 1 h and seeded for 2 h, uploaded nothing, with
	// 10 other seeds and 5 downloaders in the swarm.
	base := func() Torrent {
		t := seed(1)
		t.ActiveBefore, t.FinishedBefore = 3*time.Hour, 2*time.Hour
		t.TotalDownloaded, t.TotalSize = 1000, 1000
		t.ScrapeComplete, t.ScrapeIncomplete = 10, 5
		return t
	}
	s := DefaultSettings()
	cases := []struct {
		name string
		edit func(*Torrent, *Settings)
		want int32
	}{
		{"unfinished torrents rank 0", func(t *Torrent, _ *Settings) { t.State = StateDownloading }, 0},
		{"limits not met: top flag, (1+downloaders)*1000/seeds", nil, RankSeedRatioNotMet | 600},
		{"finished but not a seed scales by 500", func(t *Torrent, _ *Settings) { t.State = StateFinished }, RankSeedRatioNotMet | 300},
		{"share_ratio_limit met: uploaded*100/downloaded >= 200",
			func(t *Torrent, _ *Settings) { t.TotalUploaded = 2000 }, 600},
		{"just under share_ratio_limit",
			func(t *Torrent, _ *Settings) { t.TotalUploaded = 1999 }, RankSeedRatioNotMet | 600},
		{"the ratio divides by the larger of downloaded and the torrent's size",
			func(t *Torrent, _ *Settings) { t.TotalDownloaded, t.TotalUploaded = 100, 1999 }, RankSeedRatioNotMet | 600},
		{"seed_time_ratio_limit met: finished*100/downloading >= 700",
			func(t *Torrent, _ *Settings) { t.ActiveBefore, t.FinishedBefore = 8*time.Hour, 7*time.Hour }, 600},
		{"seed_time_limit met: finished for 24 h",
			func(t *Torrent, s *Settings) {
				t.ActiveBefore, t.FinishedBefore = 48*time.Hour, 24*time.Hour
			}, 600},
		{"seed_time_limit not met one second earlier",
			func(t *Torrent, s *Settings) {
				t.ActiveBefore, t.FinishedBefore = 48*time.Hour, 24*time.Hour-time.Second
			}, RankSeedRatioNotMet | 600},
		{"a torrent added complete (downloading time <= 1 s) has always met its limits",
			func(t *Torrent, _ *Settings) { t.ActiveBefore, t.FinishedBefore = time.Hour, time.Hour }, 600},
		{"a 0-byte torrent has always met its limits",
			func(t *Torrent, _ *Settings) { t.TotalDownloaded, t.TotalSize = 0, 0 }, 600},
		{"running, active under 30 min in all: recently started",
			func(t *Torrent, _ *Settings) {
				t.Paused = false
				t.ActiveBefore, t.FinishedBefore = 10*time.Minute, 5*time.Minute
				t.Started, t.BecameFinished = now.Add(-time.Minute), now.Add(-time.Minute)
				t.ScrapeComplete = 11 // ourselves and 10 others
			}, RankSeedRatioNotMet | RankRecentlyStarted | 600},
		{"paused: never recently started",
			func(t *Torrent, _ *Settings) { t.ActiveBefore, t.FinishedBefore = 10*time.Minute, 5*time.Minute },
			RankSeedRatioNotMet | 600},
		{"a running seed does not count itself among the tracker's seeds",
			func(t *Torrent, _ *Settings) {
				t.Paused = false
				t.ActiveBefore, t.FinishedBefore = 0, 0
				t.Started, t.BecameFinished = now.Add(-3*time.Hour), now.Add(-2*time.Hour)
				t.ScrapeComplete = 1
			}, RankSeedRatioNotMet | RankNoSeeds | 5},
		{"a running finished torrent (not a seed) counts every tracker seed",
			func(t *Torrent, _ *Settings) {
				t.State = StateFinished
				t.Paused = false
				t.ActiveBefore, t.FinishedBefore = 0, 0
				t.Started, t.BecameFinished = now.Add(-3*time.Hour), now.Add(-2*time.Hour)
				t.ScrapeComplete = 1
			}, RankSeedRatioNotMet | 3000},
		{"no other seeds: the downloaders count",
			func(t *Torrent, _ *Settings) { t.ScrapeComplete, t.ScrapeIncomplete = 0, 42 }, RankSeedRatioNotMet | RankNoSeeds | 42},
		{"no scrape: the peer list's seeds and peers",
			func(t *Torrent, _ *Settings) {
				t.ScrapeComplete, t.ScrapeIncomplete = Unknown, Unknown
				t.PeerListSeeds, t.PeerListPeers = 4, 7 // 3 downloaders
			}, RankSeedRatioNotMet | 1000},
		{"scrape counts are kept in 24 bits; all ones is unknown",
			func(t *Torrent, _ *Settings) {
				t.ScrapeComplete, t.ScrapeIncomplete = 0xffffff, 0x1000005
				t.PeerListSeeds, t.PeerListPeers = 2, 2
			}, RankSeedRatioNotMet | 3000},
		{"a huge downloaders count wraps as libtorrent's int does",
			func(t *Torrent, _ *Settings) { t.ScrapeComplete, t.ScrapeIncomplete = 1, 0xfffffe },
			RankSeedRatioNotMet | wrapped(0xffffff, 1000)&rankPrioMask},
		{"share_ratio_limit 0: always met",
			func(t *Torrent, s *Settings) { s.ShareRatioLimit = 0 }, 600},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tr, ss := base(), s
			if c.edit != nil {
				c.edit(&tr, &ss)
			}
			require.Equal(t, c.want, SeedRank(&tr, now, &ss), "got %#x", SeedRank(&tr, now, &ss))
		})
	}
}

// torrent::active_time and finished_time count the current run only while running.
func TestActiveAndFinishedTimeCountTheCurrentRun(t *testing.T) {
	tr := seed(1)
	tr.ActiveBefore, tr.FinishedBefore = time.Hour, 30*time.Minute
	tr.Started, tr.BecameFinished = t0, t0.Add(time.Minute)
	now := t0.Add(10*time.Minute + 500*time.Millisecond)
	require.Equal(t, time.Hour, tr.ActiveTime(now))
	require.Equal(t, 30*time.Minute, tr.FinishedTime(now))
	tr.Paused = false
	require.Equal(t, time.Hour+10*time.Minute, tr.ActiveTime(now), "whole seconds, as seconds32")
	require.Equal(t, 39*time.Minute, tr.FinishedTime(now))
	tr.State = StateDownloading
	require.Equal(t, 30*time.Minute, tr.FinishedTime(now), "not finished: no current finished time")
}

// wrapped multiplies in int32, wrapping as C++'s int does on the platforms libtorrent runs on.
func wrapped(a, b int32) int32 { return a * b }
