package choker

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"
)

// Defaults applied when the corresponding Choker field is zero.
const (
	DefaultSlots              = 4
	DefaultOptimisticInterval = 30 * time.Second
	DefaultRechokeInterval    = 10 * time.Second
	DefaultNewPeerWindow      = 60 * time.Second
	DefaultMinUnchokeTime     = 5 * time.Second
)

// Peer is the session's view of one connection at rechoke time.
type Peer struct {
	Key          uint64
	Interested   bool    // the peer wants our data
	Choked       bool    // we choke it now
	DownloadRate float64 // bytes/s we receive from it
	UploadRate   float64 // bytes/s we send to it
	Snubbed      bool    // it sent us nothing for a while though we asked
	ConnectedAt  time.Time
}

// Choker holds the configuration and the little state the rules need
// between calls (the optimistic peer and when peers were unchoked). The zero
// value is ready to use with the defaults.
type Choker struct {
	// Slots is the number of regular unchoke slots (0 means DefaultSlots;
	// negative means unchoke every interested peer).
	Slots int
	// OptimisticInterval is how long an optimistic unchoke lasts.
	OptimisticInterval time.Duration
	// RechokeInterval is how often the session should call Rechoke; see Due.
	RechokeInterval time.Duration
	// NewPeerWindow: peers connected more recently than this are 3x as
	// likely to be the optimistic unchoke. Negative disables the weighting.
	NewPeerWindow time.Duration
	// MinUnchokeTime is the hysteresis: a peer is not re-choked from a
	// regular slot sooner than this after being unchoked. Negative disables.
	MinUnchokeTime time.Duration
	// Rand supplies tie-breaks and optimistic draws; nil uses a random seed.
	Rand *rand.Rand

	optimistic    uint64
	hasOptimistic bool
	optimisticAt  time.Time
	unchokedAt    map[uint64]time.Time
	lastRechoke   time.Time
	scratch       []ranked
}

// New returns a Choker with the default settings.
func New() *Choker { return &Choker{} }

func orDefault[T ~int | ~int64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func (c *Choker) rng() *rand.Rand {
	if c.Rand == nil {
		c.Rand = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return c.Rand
}

// Due reports whether RechokeInterval has passed since the last Rechoke.
func (c *Choker) Due(now time.Time) bool {
	return c.lastRechoke.IsZero() || now.Sub(c.lastRechoke) >= orDefault(c.RechokeInterval, DefaultRechokeInterval)
}

// Optimistic returns the current optimistic unchoke, if any.
func (c *Choker) Optimistic() (key uint64, ok bool) { return c.optimistic, c.hasOptimistic }

// Forget drops what the choker remembers about a disconnected peer.
func (c *Choker) Forget(key uint64) {
	delete(c.unchokedAt, key)
	if c.hasOptimistic && c.optimistic == key {
		c.hasOptimistic = false
	}
}

// Rechoke returns the set of peers that should be unchoked now: the regular
// slots, plus the optimistic unchoke. Peers absent from the set should be
// choked. seeding selects the seeding rule (rank by UploadRate) instead of
// tit-for-tat (rank by DownloadRate). peers is not modified or retained.
func (c *Choker) Rechoke(now time.Time, peers []Peer, seeding bool) map[uint64]bool {
	c.lastRechoke = now
	if c.unchokedAt == nil {
		c.unchokedAt = make(map[uint64]time.Time)
	}
	out := make(map[uint64]bool)
	slots := orDefault(c.Slots, DefaultSlots)
	if slots < 0 {
		for i := range peers {
			if peers[i].Interested {
				out[peers[i].Key] = true
			}
		}
		c.hasOptimistic = false
		c.remember(now, out)
		return out
	}

	// Regular slots: sort on precomputed keys; a random tie value keeps
	// equal peers in random order.
	minHold := orDefault(c.MinUnchokeTime, DefaultMinUnchokeTime)
	r := c.rng()
	cands := c.scratch[:0]
	for i := range peers {
		p := &peers[i]
		if !p.Interested || (!seeding && p.Snubbed) {
			continue
		}
		rank := ranked{key: p.Key, rate: p.DownloadRate, unchoked: !p.Choked, tie: r.Uint64()}
		if seeding {
			rank.rate = p.UploadRate
		}
		if at, ok := c.unchokedAt[p.Key]; ok && !p.Choked && minHold > 0 && now.Sub(at) < minHold &&
			!(c.hasOptimistic && c.optimistic == p.Key) {
			rank.pinned = true
		}
		cands = append(cands, rank)
	}
	slices.SortFunc(cands, compareRank)
	for _, p := range cands[:min(slots, len(cands))] {
		out[p.key] = true
	}
	c.scratch = cands[:0]

	c.pickOptimistic(now, peers, out)
	c.remember(now, out)
	return out
}

// pickOptimistic keeps the optimistic unchoke for OptimisticInterval while
// it stays connected, interested and outside the regular set, and otherwise
// draws a new one among interested peers outside the regular set.
func (c *Choker) pickOptimistic(now time.Time, peers []Peer, regular map[uint64]bool) {
	interval := orDefault(c.OptimisticInterval, DefaultOptimisticInterval)
	if c.hasOptimistic && now.Sub(c.optimisticAt) < interval && !regular[c.optimistic] {
		for i := range peers {
			if peers[i].Key == c.optimistic && peers[i].Interested {
				regular[c.optimistic] = true
				return
			}
		}
	}
	window := orDefault(c.NewPeerWindow, DefaultNewPeerWindow)
	total := 0
	weight := func(p *Peer) int {
		if !p.Interested || regular[p.Key] || (c.hasOptimistic && p.Key == c.optimistic) {
			return 0
		}
		if window > 0 && !p.ConnectedAt.IsZero() && now.Sub(p.ConnectedAt) < window {
			return 3
		}
		return 1
	}
	for i := range peers {
		total += weight(&peers[i])
	}
	if total == 0 {
		// Nobody else to try: keep the current one if it still qualifies.
		for i := range peers {
			if c.hasOptimistic && peers[i].Key == c.optimistic && peers[i].Interested && !regular[c.optimistic] {
				regular[c.optimistic] = true
				c.optimisticAt = now
				return
			}
		}
		c.hasOptimistic = false
		return
	}
	n := c.rng().IntN(total)
	for i := range peers {
		w := weight(&peers[i])
		if n < w {
			c.optimistic, c.hasOptimistic, c.optimisticAt = peers[i].Key, true, now
			regular[peers[i].Key] = true
			return
		}
		n -= w
	}
}

// remember updates the unchoke timestamps used by the hysteresis.
func (c *Choker) remember(now time.Time, out map[uint64]bool) {
	for k := range c.unchokedAt {
		if !out[k] {
			delete(c.unchokedAt, k)
		}
	}
	for k := range out {
		if _, ok := c.unchokedAt[k]; !ok {
			c.unchokedAt[k] = now
		}
	}
}

// ranked is a regular-slot candidate with its sort keys.
type ranked struct {
	key      uint64
	rate     float64
	tie      uint64
	pinned   bool // unchoked less than MinUnchokeTime ago
	unchoked bool
}

// compareRank orders pinned peers first, then by rate (fastest first), then
// currently unchoked before choked, then randomly.
func compareRank(a, b ranked) int {
	if a.pinned != b.pinned {
		if a.pinned {
			return -1
		}
		return 1
	}
	if x := cmp.Compare(b.rate, a.rate); x != 0 {
		return x
	}
	if a.unchoked != b.unchoked {
		if a.unchoked {
			return -1
		}
		return 1
	}
	return cmp.Compare(a.tie, b.tie)
}
