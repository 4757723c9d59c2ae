package sched

import (
	"cmp"
	"slices"
)

// Grant is a number of outgoing connection attempts a torrent may start now.
type Grant struct {
	Torrent  ID
	Attempts int
}

// Conns is the session's connection budget (connections_limit) shared among its torrents. Each
// torrent reports the connections it holds (connected and connecting) and how many more it
// could use (candidates it has not tried, up to its own limit); Plan hands out the tick's
// connection attempts.
//
// Fairness: a torrent's cap is its max-min fair share of connections_limit over every torrent's
// demand (held + wanted): a torrent that wants little gets all it wants, the others split the
// rest evenly. Attempts go one at a time round robin to the torrents below their cap, downloads
// first with one seed every connect_seed_every_n_download (libtorrent's try_connect_more_peers
// and its want_peers_download / want_peers_finished lists). Only torrents that hold or want
// connections are kept, so paused ones cost nothing.
//
// Connections over a cap are not closed (libtorrent does not close peers for fairness either;
// peer turnover and the peers' own churn free them); the cap only stops new attempts.
//
// Memory: about 64 bytes per torrent holding or wanting connections.
type Conns struct {
	torrents map[ID]*connEntry
	held     int // sum of held
	ring     [2][]ID
	cursor   [2]int
	downN    int // download attempts since the last seed attempt
	capLevel int // the fair share level of the last Plan
	dirty    bool
	demands  []int
}

type connEntry struct {
	held, want int
	grant      int // attempts granted in the Plan under way
	seeding    bool
	inRing     int // ring index + 1 while it wants peers, else 0
	pos        int
}

const (
	ringDownload = 0
	ringSeed     = 1
)

// Update records a torrent's held connections and how many more it wants. A torrent that holds
// none and wants none is forgotten.
func (c *Conns) Update(id ID, held, want int, seeding bool) {
	if c.torrents == nil {
		c.torrents = map[ID]*connEntry{}
	}
	held, want = max(held, 0), max(want, 0)
	e := c.torrents[id]
	if e == nil {
		if held == 0 && want == 0 {
			return
		}
		e = &connEntry{}
		c.torrents[id] = e
	}
	c.held += held - e.held
	if e.held != held || e.want != want {
		c.dirty = true
	}
	e.held, e.want = held, want
	ring := ringDownload
	if seeding {
		ring = ringSeed
	}
	if e.inRing != 0 && (want == 0 || e.inRing-1 != ring) {
		c.leave(id, e)
	}
	e.seeding = seeding
	if want > 0 && e.inRing == 0 {
		e.inRing, e.pos = ring+1, len(c.ring[ring])
		c.ring[ring] = append(c.ring[ring], id)
	}
	if held == 0 && want == 0 {
		delete(c.torrents, id)
	}
}

// Remove forgets a torrent (paused or removed: its connections are gone).
func (c *Conns) Remove(id ID) { c.Update(id, 0, 0, false) }

// Held is the number of connections held across the session.
func (c *Conns) Held() int { return c.held }

// Cap is a torrent's fair share as of the last Plan.
func (c *Conns) Cap() int { return c.capLevel }

func (c *Conns) leave(id ID, e *connEntry) {
	r := e.inRing - 1
	ring := c.ring[r]
	last := len(ring) - 1
	if e.pos != last {
		ring[e.pos] = ring[last]
		c.torrents[ring[e.pos]].pos = e.pos
	}
	c.ring[r] = ring[:last]
	if c.cursor[r] > last {
		c.cursor[r] = 0
	}
	e.inRing = 0
}

// fairLevel is the max-min fair share: the largest level L with sum(min(demand, L)) <= limit.
func (c *Conns) fairLevel(limit int) int {
	c.demands = c.demands[:0]
	total := 0
	for _, e := range c.torrents {
		d := e.held + e.want
		c.demands = append(c.demands, d)
		total += d
	}
	if total <= limit {
		return limit // everyone fits
	}
	slices.Sort(c.demands)
	left, n := limit, len(c.demands)
	for i, d := range c.demands {
		share := left / (n - i)
		if d > share {
			return max(share, 1)
		}
		left -= d
	}
	return limit
}

// Plan returns the connection attempts for this tick: at most connection_speed, never past
// connections_limit counting the attempts themselves, each torrent below its fair share. The
// session reports the new connections through Update as they are made.
func (c *Conns) Plan(s *Settings, dst []Grant) []Grant {
	free := min(s.ConnectionsLimit-c.held, s.ConnectionSpeed)
	if free <= 0 || len(c.ring[0])+len(c.ring[1]) == 0 {
		return dst
	}
	if c.dirty {
		c.capLevel = c.fairLevel(s.ConnectionsLimit)
		c.dirty = false
	}
	start := len(dst)
	var idle [2]int // consecutive picks in a ring that granted nothing
	for free > 0 {
		r := ringDownload
		if len(c.ring[ringSeed]) > 0 && (len(c.ring[ringDownload]) == 0 ||
			(s.ConnectSeedEvery > 0 && c.downN >= s.ConnectSeedEvery)) {
			r = ringSeed
		}
		if idle[r] >= len(c.ring[r]) {
			r = 1 - r // nobody in this ring can take an attempt; try the other
			if idle[r] >= len(c.ring[r]) {
				break
			}
		}
		ring := c.ring[r]
		if c.cursor[r] >= len(ring) {
			c.cursor[r] = 0
		}
		id := ring[c.cursor[r]]
		c.cursor[r]++
		if r == ringSeed {
			c.downN = 0
		} else {
			c.downN++
		}
		e := c.torrents[id]
		if e.grant >= e.want || e.held+e.grant >= c.capLevel {
			idle[r]++
			continue
		}
		idle[r] = 0
		if e.grant == 0 {
			dst = append(dst, Grant{Torrent: id})
		}
		e.grant++
		free--
	}
	for i := start; i < len(dst); i++ {
		e := c.torrents[dst[i].Torrent]
		dst[i].Attempts, e.grant = e.grant, 0
	}
	slices.SortFunc(dst[start:], func(a, b Grant) int { return cmp.Compare(a.Torrent, b.Torrent) })
	return dst
}
