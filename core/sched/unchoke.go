package sched

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Peer is what the unchoker needs to know of one peer connection of a running torrent. The
// session keeps the counters per peer: the "round" ones restart at every Rechoke
// (libtorrent's reset_choke_counters), UploadedSinceUnchoke when the peer is unchoked.
type Peer struct {
	Key     uint64 // the session's name for the connection
	Torrent ID
	// Interested: the peer wants our data. A peer that is not interested, or is connecting or
	// disconnecting (the session leaves those out or clears Interested), is choked.
	Interested bool
	Choked     bool // we choke it now
	Optimistic bool // it holds an optimistic unchoke slot now
	// Priority is the upload channel's priority (peer classes); higher is unchoked first.
	Priority int
	// DownloadedInRound and UploadedInRound: payload bytes it sent us and we sent it since the
	// last Rechoke.
	DownloadedInRound int64
	UploadedInRound   int64
	// UploadedSinceUnchoke: payload bytes we sent it since we last unchoked it.
	UploadedSinceUnchoke int64
	LastUnchoke          time.Time // when we last unchoked it (zero: never)
	LastOptimistic       time.Time // when it last got an optimistic slot (zero: never)
	// The torrent's piece length and total size, the pieces the peer has and the payload we
	// sent it in all, for the round-robin quota and the anti-leech score.
	PieceLength   int64
	TotalSize     int64
	HavePieces    int
	TotalUploaded int64
	// TorrentFull: the torrent has no free upload slot of its own (libtorrent's per-torrent
	// max_uploads), so its peers get no optimistic slot.
	TorrentFull bool
}

// Change is a choke or unchoke the session sends.
type Change struct {
	Key     uint64
	Torrent ID
	Unchoke bool // false: choke
	// Optimistic is the peer's optimistic flag after the change: set when an optimistic slot is
	// granted, cleared when one is taken away or the peer is promoted to a regular slot.
	Optimistic bool
}

// Unchoker is the session-wide unchoke budget: libtorrent 2.0's recalculate_unchoke_slots (on
// every unchoke_interval) and recalculate_optimistic_unchoke_slots (on every
// optimistic_unchoke_interval) over the peers of every running torrent. Not safe for
// concurrent use.
type Unchoker struct {
	slots      int  // the unchoke slots the last Rechoke allowed
	newOptimal bool // a new optimistic round is due at once (an optimistic peer left its slot)
	order      []int
	scratch    []int
}

// Slots is the number of unchoke slots the last Rechoke allowed (libtorrent's
// num_unchoke_slots counter); with rate_based it moves with the upload rates.
func (u *Unchoker) Slots() int { return u.slots }

// OptimisticDue reports that an optimistic peer lost its slot in the last Rechoke (it was
// promoted to a regular slot or stopped being interested), so the session should run Optimistic
// now rather than wait for the interval, as libtorrent resets its optimistic time scaler.
func (u *Unchoker) OptimisticDue() bool { return u.newOptimal }

// Rechoke ranks the peers and returns the chokes and unchokes to send. Peers not mentioned stay
// as they are. Optimistic peers keep their slot unless promoted (their flag is then cleared) or
// no longer interested; the regular set gets the allowed slots minus the optimistic ones.
func (u *Unchoker) Rechoke(now time.Time, peers []Peer, s *Settings, dst []Change) []Change {
	u.newOptimal = false
	u.order = u.order[:0]
	optimistic := 0
	for i := range peers {
		p := &peers[i]
		if !p.Interested {
			if !p.Choked {
				if p.Optimistic {
					u.newOptimal = true
				}
				dst = append(dst, Change{Key: p.Key, Torrent: p.Torrent})
			}
			continue
		}
		if p.Optimistic && !p.Choked {
			optimistic++
		}
		u.order = append(u.order, i)
	}
	u.slots = u.sort(now, peers, s)
	numOpt := optimistic
	if numOpt == 0 {
		numOpt = max(1, u.slots/5)
	}
	set := u.slots - numOpt
	for _, i := range u.order {
		p := &peers[i]
		if set > 0 {
			set--
			switch {
			case p.Choked:
				dst = append(dst, Change{Key: p.Key, Torrent: p.Torrent, Unchoke: true})
			case p.Optimistic:
				// Promoted into the regular set: its optimistic slot goes to someone else.
				dst = append(dst, Change{Key: p.Key, Torrent: p.Torrent, Unchoke: true})
				u.newOptimal = true
			}
			continue
		}
		if !p.Choked && !p.Optimistic {
			dst = append(dst, Change{Key: p.Key, Torrent: p.Torrent})
		}
	}
	return dst
}

// sort is libtorrent's unchoke_sort: it orders u.order best first and returns the allowed
// unchoke slots.
func (u *Unchoker) sort(now time.Time, peers []Peer, s *Settings) int {
	slots := unlimited(s.UnchokeSlots)
	if s.Choking == RateBased {
		// Fastest uploads first (weighted by priority); a slot per peer whose rate clears a
		// threshold that rises 2 KiB/s per slot, and one more.
		slices.SortStableFunc(u.order, func(a, b int) int {
			pa, pb := &peers[a], &peers[b]
			return cmp.Compare(pb.UploadedInRound*int64(max(pb.Priority, 1)), pa.UploadedInRound*int64(max(pa.Priority, 1)))
		})
		ms := max(s.UnchokeInterval.Milliseconds(), 1)
		threshold := s.RateChokerInitial
		slots = 0
		for _, i := range u.order {
			if peers[i].UploadedInRound*1000/ms < threshold {
				break
			}
			slots++
			threshold += 2048
		}
		slots++
	}
	var compare func(a, b *Peer) int
	switch s.SeedChoking {
	case FastestUpload:
		compare = compareFastestUpload
	case AntiLeech:
		compare = compareAntiLeech
	default:
		quota := int64(max(s.SeedingPieceQuota, 0))
		compare = func(a, b *Peer) int { return compareRoundRobin(now, quota, a, b) }
	}
	slices.SortFunc(u.order, func(a, b int) int {
		if c := compare(&peers[a], &peers[b]); c != 0 {
			return c
		}
		return cmp.Compare(peers[a].Key, peers[b].Key)
	})
	return slots
}

// The comparators return < 0 when a should be unchoked before b (choker.cpp).

func comparePriority(a, b *Peer) int { return cmp.Compare(b.Priority, a.Priority) }

// compareRoundRobin is unchoke_compare_rr: priority, then bytes they sent us this round; for
// seeds (nothing received), an unchoked peer keeps its slot until it has taken a quota of
// pieces and held the slot a minute; then the fastest upload among the unchoked, then whoever
// waited longest.
func compareRoundRobin(now time.Time, quota int64, a, b *Peer) int {
	if c := comparePriority(a, b); c != 0 {
		return c
	}
	if c := cmp.Compare(b.DownloadedInRound, a.DownloadedInRound); c != 0 {
		return c
	}
	qa, qb := quotaComplete(now, quota, a), quotaComplete(now, quota, b)
	if qa != qb {
		if qa {
			return 1
		}
		return -1
	}
	if c := cmp.Compare(unchokedUpload(b), unchokedUpload(a)); c != 0 {
		return c
	}
	return compareLastUnchoke(a, b)
}

func quotaComplete(now time.Time, quota int64, p *Peer) bool {
	return !p.Choked && p.UploadedSinceUnchoke > p.PieceLength*quota && now.Sub(p.LastUnchoke) > time.Minute
}

// unchokedUpload counts a choked peer's residual upload of the last round as nothing, so a peer
// choked last round does not rank first among the choked.
func unchokedUpload(p *Peer) int64 {
	if p.Choked {
		return 0
	}
	return p.UploadedInRound
}

func compareLastUnchoke(a, b *Peer) int { return a.LastUnchoke.Compare(b.LastUnchoke) }

// compareFastestUpload is unchoke_compare_fastest_upload.
func compareFastestUpload(a, b *Peer) int {
	if c := comparePriority(a, b); c != 0 {
		return c
	}
	if c := cmp.Compare(b.DownloadedInRound, a.DownloadedInRound); c != 0 {
		return c
	}
	if c := cmp.Compare(b.UploadedInRound, a.UploadedInRound); c != 0 {
		return c
	}
	return compareLastUnchoke(a, b)
}

// compareAntiLeech is unchoke_compare_anti_leech.
func compareAntiLeech(a, b *Peer) int {
	if c := comparePriority(a, b); c != 0 {
		return c
	}
	if c := cmp.Compare(b.DownloadedInRound, a.DownloadedInRound); c != 0 {
		return c
	}
	if c := cmp.Compare(antiLeechScore(b), antiLeechScore(a)); c != 0 {
		return c
	}
	return compareLastUnchoke(a, b)
}

// antiLeechScore ranks peers that just started and peers close to completing above those half
// way ("Improving BitTorrent: A Simple Approach", Chow et al.; libtorrent's anti_leech_score):
// 1000 at either end, 0 in the middle.
func antiLeechScore(p *Peer) int64 {
	if p.TotalSize <= 0 {
		return 0
	}
	have := min(max(p.TotalUploaded, p.PieceLength*int64(p.HavePieces)), p.TotalSize)
	d := have - p.TotalSize/2
	if d < 0 {
		d = -d
	}
	if d > math.MaxInt64/2000 {
		return 1000
	}
	return d * 2000 / p.TotalSize
}

// Optimistic is recalculate_optimistic_unchoke_slots: the optimistic slots go to the interested
// peers (choked, or optimistic already) that waited longest since their last optimistic
// unchoke; a peer that keeps its slot keeps its time, previous optimistic peers not picked
// again are choked. The session records LastOptimistic = now for each new grant. Nothing
// happens before a Rechoke has allowed slots.
func (u *Unchoker) Optimistic(now time.Time, peers []Peer, s *Settings, dst []Change) []Change {
	u.newOptimal = false
	if u.slots == 0 {
		return dst
	}
	cands := u.scratch[:0]
	for i := range peers {
		p := &peers[i]
		if p.Interested && !p.TorrentFull && (p.Choked || p.Optimistic) {
			cands = append(cands, i)
		}
	}
	n := s.OptimisticSlots
	if n == 0 {
		n = max(1, u.slots/5)
	}
	n = min(n, len(cands))
	slices.SortFunc(cands, func(a, b int) int {
		if c := peers[a].LastOptimistic.Compare(peers[b].LastOptimistic); c != 0 {
			return c
		}
		return cmp.Compare(peers[a].Key, peers[b].Key)
	})
	keep := cands[:n]
	for _, i := range keep {
		if p := &peers[i]; !p.Optimistic {
			dst = append(dst, Change{Key: p.Key, Torrent: p.Torrent, Unchoke: true, Optimistic: true})
		}
	}
	slices.Sort(keep) // for the membership test below
	for i := range peers {
		p := &peers[i]
		if !p.Optimistic {
			continue
		}
		if _, found := slices.BinarySearch(keep, i); !found {
			dst = append(dst, Change{Key: p.Key, Torrent: p.Torrent})
		}
	}
	u.scratch = cands[:0]
	return dst
}
