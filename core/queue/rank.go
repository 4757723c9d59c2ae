package queue

import "time"

// Seed rank flags, highest first (libtorrent's torrent::seed_rank).
const (
	// RankSeedRatioNotMet: the seed has met none of its limits (share_ratio_limit,
	// seed_time_ratio_limit, seed_time_limit), so it is kept seeding first.
	RankSeedRatioNotMet = 0x40000000
	// RankNoSeeds: nobody else seeds it; then the downloaders count orders such torrents.
	RankNoSeeds = 0x20000000
	// RankRecentlyStarted: running and active for less than 30 minutes in all, so a seed just
	// started is not stopped again at once.
	RankRecentlyStarted = 0x10000000
	rankPrioMask        = 0x0fffffff

	recentlyStarted = 30 * time.Minute
	scrapeMask      = 0xffffff // libtorrent keeps complete/incomplete in 24 bits; all ones is unknown
)

// SeedRank is libtorrent 2.0's torrent::seed_rank: the higher, the more a finished torrent
// deserves one of the active_seeds slots. Unfinished torrents rank 0.
//
// The limits only lower a seed's rank; libtorrent 2.0 pauses no seed for reaching them. A seed
// that has met them is queued only when more seeds want to run than active_seeds allows.
func SeedRank(t *Torrent, now time.Time, s *Settings) int32 {
	if !t.State.finished() {
		return 0
	}
	seed := t.State == StateSeeding
	scale := int32(1000)
	if !seed {
		scale = 500
	}

	var ret int32
	actTime, finTime := t.ActiveTime(now), t.FinishedTime(now)
	act, fin := actTime/time.Second, finTime/time.Second
	dl := act - fin // seconds spent downloading
	downloaded := max(t.TotalDownloaded, t.TotalSize)
	if finTime < s.SeedTimeLimit &&
		(dl > 1 && int64(fin)*100/int64(dl) < s.SeedTimeRatioLimit) &&
		downloaded > 0 &&
		t.TotalUploaded*100/downloaded < s.ShareRatioLimit {
		ret |= RankSeedRatioNotMet
	}

	if !t.Paused && actTime < recentlyStarted {
		ret |= RankRecentlyStarted
	}

	// With scrape data, this torrent's own seeding is not counted as another seed.
	selfSeed := 0
	if seed && !t.Paused {
		selfSeed = 1
	}
	var seeds, downloaders int
	if c, ok := scrape(t.ScrapeComplete); ok {
		seeds = max(0, c-selfSeed)
	} else {
		seeds = t.PeerListSeeds
	}
	if n, ok := scrape(t.ScrapeIncomplete); ok {
		downloaders = n
	} else {
		downloaders = t.PeerListPeers - t.PeerListSeeds
	}

	if seeds == 0 {
		ret |= RankNoSeeds
		ret |= int32(downloaders) & rankPrioMask
	} else {
		// int32 arithmetic as libtorrent's int: a huge downloaders count wraps the same way.
		ret |= ((1 + int32(downloaders)) * scale / int32(seeds)) & rankPrioMask
	}
	return ret
}

// scrape reads a tracker count as libtorrent stores it (24 bits, all ones unknown).
func scrape(v int) (int, bool) {
	if v < 0 {
		return 0, false
	}
	v &= scrapeMask
	return v, v != scrapeMask
}
