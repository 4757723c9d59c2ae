package choker

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func newChoker(seed uint64) *Choker {
	return &Choker{Rand: rand.New(rand.NewPCG(seed, 1)), MinUnchokeTime: -1}
}

func keys(m map[uint64]bool) []uint64 {
	var out []uint64
	for k, v := range m {
		if v {
			out = append(out, k)
		}
	}
	return out
}

// swarm returns n interested, choked peers with DownloadRate = UploadRate*2 = 100*key.
func swarm(n int) []Peer {
	ps := make([]Peer, n)
	for i := range ps {
		k := uint64(i + 1)
		ps[i] = Peer{Key: k, Interested: true, Choked: true, DownloadRate: float64(100 * k), UploadRate: float64(50 * (uint64(n) + 1 - k))}
	}
	return ps
}

// apply updates Choked from a Rechoke result, as the session would.
func apply(ps []Peer, un map[uint64]bool) {
	for i := range ps {
		ps[i].Choked = !un[ps[i].Key]
	}
}

func TestChokerLeechingUnchokesFastestDownloadersPlusOneOptimistic(t *testing.T) {
	c := newChoker(1)
	ps := swarm(10)
	un := c.Rechoke(t0, ps, false)
	require.Len(t, un, 5)
	for _, k := range []uint64{10, 9, 8, 7} {
		require.True(t, un[k], "peer %d is among the 4 fastest", k)
	}
	opt, ok := c.Optimistic()
	require.True(t, ok)
	require.True(t, un[opt])
	require.Less(t, opt, uint64(7))
}

func TestChokerLeechingSkipsSnubbedAndUninterestedPeers(t *testing.T) {
	c := newChoker(2)
	c.Slots = 2
	ps := swarm(4)
	ps[3].Snubbed = true     // key 4, fastest
	ps[2].Interested = false // key 3
	un := c.Rechoke(t0, ps, false)
	require.True(t, un[2])
	require.True(t, un[1])
	require.False(t, un[3], "uninterested peers are never unchoked")
	// The snubbed peer is not a regular; it can only be the optimistic one,
	// and here it is the only candidate left.
	opt, ok := c.Optimistic()
	require.True(t, ok)
	require.Equal(t, uint64(4), opt)
	require.Len(t, un, 3)
}

func TestChokerSeedingRanksByUploadRate(t *testing.T) {
	c := newChoker(3)
	c.Slots = 3
	ps := swarm(8) // upload rate is highest for low keys
	ps[0].Snubbed = true
	un := c.Rechoke(t0, ps, true)
	for _, k := range []uint64{1, 2, 3} {
		require.True(t, un[k], "peer %d takes our data fastest; snubbing does not matter when seeding", k)
	}
	require.Len(t, un, 4)
}

func TestChokerUnlimitedSlotsUnchokesEveryInterestedPeer(t *testing.T) {
	c := newChoker(4)
	c.Slots = -1
	ps := swarm(20)
	ps[5].Interested = false
	ps[6].Snubbed = true
	un := c.Rechoke(t0, ps, false)
	require.Len(t, un, 19)
	require.False(t, un[6])
	_, ok := c.Optimistic()
	require.False(t, ok)
}

func TestChokerDefaultsToFourSlots(t *testing.T) {
	var c Choker
	c.Rand = rand.New(rand.NewPCG(5, 5))
	require.Len(t, c.Rechoke(t0, swarm(10), false), DefaultSlots+1)
	require.Len(t, New().Rechoke(t0, swarm(3), false), 3)
}

func TestChokerOptimisticRotatesEvery30Seconds(t *testing.T) {
	c := newChoker(6)
	c.Slots = 1
	ps := swarm(6)
	seen := map[uint64]int{}
	un := c.Rechoke(t0, ps, false)
	apply(ps, un)
	prev, _ := c.Optimistic()
	seen[prev]++
	now := t0
	for round := range 60 {
		// Rechokes every 10 s inside the interval keep the optimistic peer.
		for _, dt := range []time.Duration{10, 20, 29} {
			un = c.Rechoke(now.Add(dt*time.Second), ps, false)
			apply(ps, un)
			opt, _ := c.Optimistic()
			require.Equal(t, prev, opt, "round %d +%ds", round, dt)
			require.True(t, un[opt])
		}
		now = now.Add(30 * time.Second)
		un = c.Rechoke(now, ps, false)
		apply(ps, un)
		opt, ok := c.Optimistic()
		require.True(t, ok)
		require.NotEqual(t, prev, opt, "rotated after 30 s")
		require.NotEqual(t, uint64(6), opt, "the regular peer is not drawn")
		require.True(t, un[opt])
		require.Len(t, un, 2)
		seen[opt]++
		prev = opt
	}
	require.Len(t, seen, 5, "every choked interested peer gets its turn: %v", seen)
}

func TestChokerOptimisticLeavesWhenNotInterested(t *testing.T) {
	c := newChoker(7)
	c.Slots = 1
	ps := swarm(4)
	c.Rechoke(t0, ps, false)
	opt, _ := c.Optimistic()
	for i := range ps {
		if ps[i].Key == opt {
			ps[i].Interested = false
		}
	}
	un := c.Rechoke(t0.Add(time.Second), ps, false)
	now, ok := c.Optimistic()
	require.True(t, ok)
	require.NotEqual(t, opt, now)
	require.False(t, un[opt])
}

func TestChokerOptimisticPromotedToRegularIsReplaced(t *testing.T) {
	c := newChoker(8)
	c.Slots = 1
	ps := swarm(5)
	c.Rechoke(t0, ps, false)
	opt, _ := c.Optimistic()
	for i := range ps {
		if ps[i].Key == opt {
			ps[i].DownloadRate = 1e9 // it reciprocated: now the best
		}
	}
	un := c.Rechoke(t0.Add(10*time.Second), ps, false)
	require.True(t, un[opt])
	now, _ := c.Optimistic()
	require.NotEqual(t, opt, now)
	require.Len(t, un, 2)
}

func TestChokerNewPeersAreThreeTimesAsLikelyOptimistic(t *testing.T) {
	c := newChoker(9)
	c.Slots = 1
	ps := swarm(5)         // key 5 is the regular
	ps[0].ConnectedAt = t0 // new: weight 3
	ps[1].ConnectedAt = t0.Add(-time.Hour)
	counts := map[uint64]int{}
	const rounds = 6000
	now := t0
	for range rounds {
		now = now.Add(time.Minute) // every call is a fresh draw
		ps[0].ConnectedAt = now.Add(-time.Second)
		c.Rechoke(now, ps, false)
		opt, _ := c.Optimistic()
		counts[opt]++
		c.Forget(opt) // next draw is among all four again
	}
	// Weights 3:1:1:1 -> 3000, 1000, 1000, 1000.
	require.InDelta(t, 3000, counts[1], 250, "%v", counts)
	for _, k := range []uint64{2, 3, 4} {
		require.InDelta(t, 1000, counts[k], 200, "%v", counts)
	}
}

func TestChokerHysteresisKeepsJustUnchokedPeer(t *testing.T) {
	c := newChoker(10)
	c.Slots = 2
	c.MinUnchokeTime = 10 * time.Second
	c.OptimisticInterval = time.Hour
	ps := swarm(4)
	ps[2].DownloadRate, ps[3].DownloadRate = 0, 0 // keys 3 and 4: slowest
	un := c.Rechoke(t0, ps, false)
	apply(ps, un)
	require.True(t, un[1] && un[2])
	opt, _ := c.Optimistic()
	other := uint64(7) - opt // the slow peer that is not optimistic
	ps[other-1].DownloadRate = 1e6
	// An event-driven rechoke 3 s later must not choke the peers just
	// unchoked, even though a faster peer showed up.
	un = c.Rechoke(t0.Add(3*time.Second), ps, false)
	apply(ps, un)
	require.True(t, un[1] && un[2])
	require.False(t, un[other])
	// After the hold time the faster peer takes the slowest regular's slot.
	un = c.Rechoke(t0.Add(10*time.Second), ps, false)
	require.True(t, un[other])
	require.True(t, un[2])
	require.False(t, un[1])
	require.True(t, un[opt])
}

func TestChokerEqualRatesKeepCurrentlyUnchokedPeers(t *testing.T) {
	c := newChoker(11)
	c.Slots = 2
	ps := swarm(6)
	for i := range ps {
		ps[i].DownloadRate = 0
	}
	ps[3].Choked, ps[4].Choked = false, false
	for range 20 {
		un := c.Rechoke(t0, ps, false)
		require.True(t, un[4] && un[5])
	}
}

func TestChokerDueAfterRechokeInterval(t *testing.T) {
	c := newChoker(12)
	require.True(t, c.Due(t0))
	c.Rechoke(t0, nil, false)
	require.False(t, c.Due(t0.Add(9*time.Second)))
	require.True(t, c.Due(t0.Add(10*time.Second)))
}

func TestChokerForgetDropsOptimistic(t *testing.T) {
	c := newChoker(13)
	c.Slots = 1
	ps := swarm(3)
	c.Rechoke(t0, ps, false)
	opt, _ := c.Optimistic()
	c.Forget(opt)
	_, ok := c.Optimistic()
	require.False(t, ok)
	require.Empty(t, keys(c.Rechoke(t0, nil, false)))
}
