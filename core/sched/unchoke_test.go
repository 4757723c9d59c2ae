package sched

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apply sends the changes to the peers as the session would, recording the times the session
// keeps, and restarts the round counters.
func apply(now time.Time, peers []Peer, changes []Change) {
	byKey := map[uint64]*Peer{}
	for i := range peers {
		byKey[peers[i].Key] = &peers[i]
	}
	for _, c := range changes {
		p := byKey[c.Key]
		if c.Unchoke && p.Choked {
			p.LastUnchoke, p.UploadedSinceUnchoke = now, 0
		}
		if c.Optimistic && !p.Optimistic {
			p.LastOptimistic = now
		}
		p.Choked, p.Optimistic = !c.Unchoke, c.Optimistic
	}
}

func unchoked(peers []Peer) (regular, optimistic []uint64) {
	for _, p := range peers {
		switch {
		case p.Choked:
		case p.Optimistic:
			optimistic = append(optimistic, p.Key)
		default:
			regular = append(regular, p.Key)
		}
	}
	return
}

// Peers spread over many torrents share one budget: unchoke_slots_limit is session-wide.
func TestUnchokeSlotsAreSessionWide(t *testing.T) {
	s := DefaultSettings() // 8 slots: 7 regular (by rate), 1 optimistic
	var peers []Peer
	for i := range 100 {
		peers = append(peers, Peer{Key: uint64(i), Torrent: ID(i % 25), Interested: true, Choked: true,
			DownloadedInRound: int64(i) * 1000, PieceLength: 1 << 18})
	}
	var u Unchoker
	apply(t0, peers, u.Rechoke(t0, peers, &s, nil))
	apply(t0, peers, u.Optimistic(t0, peers, &s, nil))
	regular, opt := unchoked(peers)
	require.Equal(t, 8, u.Slots())
	require.ElementsMatch(t, []uint64{99, 98, 97, 96, 95, 94, 93}, regular, "tit-for-tat across torrents")
	require.Len(t, opt, 1)
	require.Less(t, opt[0], uint64(93))
}

func TestUninterestedPeersAreChokedAndFreeTheirSlot(t *testing.T) {
	s := DefaultSettings()
	peers := []Peer{
		{Key: 1, Interested: false, Choked: false},
		{Key: 2, Interested: false, Choked: false, Optimistic: true},
		{Key: 3, Interested: true, Choked: true},
	}
	var u Unchoker
	ch := u.Rechoke(t0, peers, &s, nil)
	require.Contains(t, ch, Change{Key: 1})
	require.Contains(t, ch, Change{Key: 2})
	require.Contains(t, ch, Change{Key: 3, Unchoke: true})
	require.True(t, u.OptimisticDue(), "an optimistic peer lost its slot")
}

func TestUnlimitedSlotsUnchokeEveryInterestedPeer(t *testing.T) {
	s := DefaultSettings()
	s.UnchokeSlots = -1
	var peers []Peer
	for i := range 500 {
		peers = append(peers, Peer{Key: uint64(i), Interested: i%2 == 0, Choked: true})
	}
	var u Unchoker
	apply(t0, peers, u.Rechoke(t0, peers, &s, nil))
	regular, _ := unchoked(peers)
	require.Len(t, regular, 250)
}

// Round robin: a seeding slot rotates once its peer took seeding_piece_quota pieces and held
// the slot a minute; until then it keeps the slot over faster choked peers.
func TestRoundRobinRotatesSeedSlotsAfterQuotaAndAMinute(t *testing.T) {
	s := DefaultSettings()
	s.UnchokeSlots, s.OptimisticSlots = 3, 1 // two regular slots
	const pl = 1 << 14
	var peers []Peer
	for i := range 6 {
		peers = append(peers, Peer{Key: uint64(i), Interested: true, Choked: true, PieceLength: pl})
	}
	var u Unchoker
	now := t0
	seen := map[uint64]bool{}
	for round := range 12 {
		apply(now, peers, u.Rechoke(now, peers, &s, nil))
		regular, _ := unchoked(peers)
		require.Len(t, regular, 2, "round %d", round)
		for _, k := range regular {
			seen[k] = true
		}
		// Each unchoked peer takes more than its quota this round.
		for i := range peers {
			if !peers[i].Choked {
				peers[i].UploadedSinceUnchoke += pl * 21
				peers[i].UploadedInRound = pl * 21
			} else {
				peers[i].UploadedInRound = 0
			}
		}
		now = now.Add(15 * time.Second)
	}
	require.Len(t, seen, 6, "every peer got a turn")

	// Before a minute has passed, the holders keep their slots whatever they took.
	peers2 := []Peer{
		{Key: 1, Interested: true, Choked: false, LastUnchoke: now.Add(-30 * time.Second), UploadedSinceUnchoke: pl * 100, UploadedInRound: pl, PieceLength: pl},
		{Key: 2, Interested: true, Choked: true, PieceLength: pl},
	}
	s.UnchokeSlots, s.OptimisticSlots = 2, 1
	ch := u.Rechoke(now, peers2, &s, nil)
	require.Empty(t, ch, "peer 1 keeps its one regular slot")
	peers2[0].LastUnchoke = now.Add(-2 * time.Minute)
	ch = u.Rechoke(now, peers2, &s, nil)
	require.ElementsMatch(t, []Change{{Key: 1}, {Key: 2, Unchoke: true}}, ch)
}

func TestFastestUploadKeepsTheFastestSeedPeers(t *testing.T) {
	s := DefaultSettings()
	s.SeedChoking, s.UnchokeSlots, s.OptimisticSlots = FastestUpload, 3, 1
	peers := []Peer{
		{Key: 1, Interested: true, UploadedInRound: 10},
		{Key: 2, Interested: true, UploadedInRound: 500},
		{Key: 3, Interested: true, Choked: true, UploadedInRound: 900},
		{Key: 4, Interested: true, UploadedInRound: 100},
	}
	var u Unchoker
	apply(t0, peers, u.Rechoke(t0, peers, &s, nil))
	regular, _ := unchoked(peers)
	require.ElementsMatch(t, []uint64{2, 3}, regular)
}

func TestAntiLeechPrefersNewcomersAndAlmostDonePeers(t *testing.T) {
	const size, pl = 100 << 20, 1 << 20
	mk := func(key uint64, have int) Peer {
		return Peer{Key: key, Interested: true, Choked: true, HavePieces: have, PieceLength: pl, TotalSize: size}
	}
	require.Equal(t, int64(1000), antiLeechScore(&Peer{TotalSize: size, PieceLength: pl}))
	require.Equal(t, int64(0), antiLeechScore(&Peer{TotalSize: size, PieceLength: pl, HavePieces: 50}))
	require.Equal(t, int64(1000), antiLeechScore(&Peer{TotalSize: size, PieceLength: pl, HavePieces: 100}))
	s := DefaultSettings()
	s.SeedChoking, s.UnchokeSlots, s.OptimisticSlots = AntiLeech, 3, 1
	peers := []Peer{mk(1, 50), mk(2, 2), mk(3, 45), mk(4, 97)}
	var u Unchoker
	apply(t0, peers, u.Rechoke(t0, peers, &s, nil))
	regular, _ := unchoked(peers)
	require.ElementsMatch(t, []uint64{2, 4}, regular)
}

// rate_based: a slot per peer whose upload rate clears 1 KiB/s, 3 KiB/s, 5 KiB/s, ... plus one.
func TestRateBasedOpensSlotsAsUploadRatesEarnThem(t *testing.T) {
	s := DefaultSettings()
	s.Choking = RateBased
	perRound := func(rate int64) int64 { return rate * 15 } // 15 s rounds
	peers := []Peer{
		{Key: 1, Interested: true, UploadedInRound: perRound(10_000)},
		{Key: 2, Interested: true, UploadedInRound: perRound(4_000)},
		{Key: 3, Interested: true, UploadedInRound: perRound(4_000)}, // below 5 KiB/s
		{Key: 4, Interested: true, Choked: true},
	}
	var u Unchoker
	u.Rechoke(t0, peers, &s, nil)
	require.Equal(t, 3, u.Slots())
	for i := range peers {
		peers[i].UploadedInRound = 0
	}
	u.Rechoke(t0, peers, &s, nil)
	require.Equal(t, 1, u.Slots(), "always one slot")
}

// The optimistic slot goes to whoever waited longest and rotates on every round.
func TestOptimisticSlotsRotateToTheLongestWaiting(t *testing.T) {
	s := DefaultSettings()
	s.UnchokeSlots = 2 // one regular, one optimistic
	var peers []Peer
	for i := range 5 {
		peers = append(peers, Peer{Key: uint64(i), Interested: true, Choked: true})
	}
	peers[0].DownloadedInRound = 1 << 20 // the regular slot
	var u Unchoker
	now := t0
	apply(now, peers, u.Rechoke(now, peers, &s, nil))
	var order []uint64
	for range 8 {
		apply(now, peers, u.Optimistic(now, peers, &s, nil))
		_, opt := unchoked(peers)
		require.Len(t, opt, 1)
		order = append(order, opt[0])
		now = now.Add(30 * time.Second)
	}
	require.Equal(t, []uint64{1, 2, 3, 4, 1, 2, 3, 4}, order)
	regular, _ := unchoked(peers)
	require.Equal(t, []uint64{0}, regular)
}

func TestPromotedOptimisticPeerFreesItsOptimisticSlot(t *testing.T) {
	s := DefaultSettings()
	s.UnchokeSlots = 2
	peers := []Peer{
		{Key: 1, Interested: true, Choked: false, Optimistic: true, DownloadedInRound: 1 << 20},
		{Key: 2, Interested: true, Choked: true},
	}
	var u Unchoker
	ch := u.Rechoke(t0, peers, &s, nil)
	require.Equal(t, []Change{{Key: 1, Unchoke: true}}, ch)
	require.True(t, u.OptimisticDue())
	apply(t0, peers, ch)
	apply(t0, peers, u.Optimistic(t0, peers, &s, nil))
	require.False(t, peers[1].Choked)
	require.True(t, peers[1].Optimistic)
}

// 2,000 torrents with 5 peers each: the budget holds whatever the spread.
func TestUnchokeBudgetHoldsOverThousandsOfTorrents(t *testing.T) {
	s := DefaultSettings()
	s.UnchokeSlots = 40
	var peers []Peer
	for i := range 10_000 {
		peers = append(peers, Peer{Key: uint64(i), Torrent: ID(i / 5), Interested: i%3 != 0, Choked: true,
			DownloadedInRound: int64(i*7919) % 5000, PieceLength: 1 << 18})
	}
	var u Unchoker
	now := t0
	for round := range 10 {
		apply(now, peers, u.Rechoke(now, peers, &s, nil))
		if round%2 == 0 {
			apply(now, peers, u.Optimistic(now, peers, &s, nil))
		}
		regular, opt := unchoked(peers)
		require.LessOrEqual(t, len(regular)+len(opt), 40, fmt.Sprint("round ", round))
		require.Len(t, opt, 8)
		for i := range peers {
			peers[i].DownloadedInRound = int64((i+round)*7919) % 5000
		}
		now = now.Add(15 * time.Second)
	}
}
