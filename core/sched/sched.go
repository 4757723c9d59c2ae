package sched

import "time"

// TickPeriod is how often a torrent with work is ticked (libtorrent's one-second
// torrent::second_tick).
const TickPeriod = time.Second

// Scheduler puts the session's policies on one clock. The session's scheduler goroutine calls
// Tick when NextWake says, acts on the Plan (posting to the torrents' inboxes, never waiting on
// them), and reports back what the torrents tell it (Active, Sleep, Conns.Update, Trackers.Done,
// DHT.Add). Not safe for concurrent use.
type Scheduler struct {
	Settings Settings
	Unchoker Unchoker
	Conns    Conns
	DHT      DHTAnnouncer
	Trackers Trackers

	active         idSet // torrents with per-second work
	timers         Due   // one-off wake-ups of torrents (WakeAt)
	nextSecond     int64 // when the active torrents tick next
	nextUnchoke    int64
	nextOptimistic int64
	plan           Plan
}

// Plan is what is due at one Tick. Its slices are the Scheduler's own, valid until the next
// Tick.
type Plan struct {
	Torrents   []ID // torrents to tick (their second_tick)
	Rechoke    bool // run the unchoke round (Unchoker.Rechoke over every running torrent's peers)
	Optimistic bool // run the optimistic unchoke round (Unchoker.Optimistic), after any Rechoke
	DHT        []ID // torrents to announce to the DHT now (one, or none)
	Trackers   []ID // torrents whose tracker announce starts now
	Connect    []Grant
	wakes      []ID
}

// New returns a Scheduler with the given settings.
func New(s Settings) *Scheduler { return &Scheduler{Settings: s} }

// Active makes a torrent tick every TickPeriod (running with peers, checking, or anything else
// it must do each second), from the scheduler's next second on. All active torrents tick
// together, as libtorrent's second_tick; the set costs O(1) per torrent per tick and nothing for
// the others.
func (s *Scheduler) Active(id ID) { s.active.add(id) }

// Sleep stops a torrent's ticks (paused, or running with nothing to do each second).
func (s *Scheduler) Sleep(id ID) { s.active.remove(id) }

// WakeAt ticks a torrent once at at (or sooner, if a wake-up is set earlier): a sleeping torrent's
// timer, such as the end of a graceful pause or a retry.
func (s *Scheduler) WakeAt(id ID, at time.Time) { s.timers.SetEarlier(id, at) }

// Remove forgets a torrent everywhere (paused or removed): no ticks, no connection share, no
// announces.
func (s *Scheduler) Remove(id ID) {
	s.active.remove(id)
	s.timers.Cancel(id)
	s.Conns.Remove(id)
	s.DHT.Remove(id)
	s.Trackers.Cancel(id)
}

// Ticking is the number of torrents with per-second work.
func (s *Scheduler) Ticking() int { return len(s.active.ids) }

// Tick returns what is due at now. Rechoke and Optimistic come due on their intervals while any
// torrent ticks (a session with no running torrent has no peers to choke).
func (s *Scheduler) Tick(now time.Time) *Plan {
	p := &s.plan
	ns := now.UnixNano()
	p.Torrents = p.Torrents[:0]
	second := ns >= s.nextSecond && len(s.active.ids) > 0
	if second {
		p.Torrents = append(p.Torrents, s.active.ids...)
		s.nextSecond += int64(TickPeriod)
		if s.nextSecond <= ns { // started, or fell behind: no burst to catch up
			s.nextSecond = ns + int64(TickPeriod)
		}
	}
	p.wakes = s.timers.Pop(now, -1, p.wakes[:0])
	for _, id := range p.wakes {
		if !second || !s.active.has(id) {
			p.Torrents = append(p.Torrents, id)
		}
	}
	p.Rechoke, p.Optimistic = false, false
	if len(s.active.ids) > 0 {
		if ns >= s.nextUnchoke {
			p.Rechoke = true
			s.nextUnchoke = ns + int64(s.Settings.UnchokeInterval)
		}
		if ns >= s.nextOptimistic {
			p.Optimistic = true
			s.nextOptimistic = ns + int64(s.Settings.OptimisticInterval)
		}
	}
	p.DHT = p.DHT[:0]
	if id, ok := s.DHT.Due(now, s.Settings.DHTAnnounceInterval); ok {
		p.DHT = append(p.DHT, id)
	}
	p.Trackers = s.Trackers.Due(now, &s.Settings, p.Trackers[:0])
	p.Connect = s.Conns.Plan(&s.Settings, p.Connect[:0])
	return p
}

// OptimisticNow asks for an optimistic round at the next Tick (after a Rechoke whose
// Unchoker.OptimisticDue is set).
func (s *Scheduler) OptimisticNow() { s.nextOptimistic = 0 }

// NextWake returns when Tick has something to do next, or false if nothing is scheduled at all
// (every torrent paused or idle, no announces): the goroutine then sleeps until an event.
// Connection attempts are due every second while any torrent wants peers and the budget has
// room.
func (s *Scheduler) NextWake(now time.Time) (time.Time, bool) {
	var best time.Time
	ok := false
	consider := func(t time.Time, has bool) {
		if has && (!ok || t.Before(best)) {
			best, ok = t, true
		}
	}
	if len(s.active.ids) > 0 {
		consider(time.Unix(0, s.nextSecond), true)
	}
	consider(s.timers.Next())
	consider(s.DHT.Next())
	if s.Trackers.InFlight() < s.Settings.MaxTrackerAnnounces {
		consider(s.Trackers.Next())
	}
	if len(s.Conns.ring[0])+len(s.Conns.ring[1]) > 0 && s.Conns.held < s.Settings.ConnectionsLimit {
		consider(now.Add(TickPeriod), true)
	}
	return best, ok
}

// idSet is a set of IDs in a dense slice (iteration at memory speed) with an index for removal.
type idSet struct {
	ids []ID
	pos map[ID]int
}

func (s *idSet) has(id ID) bool {
	_, ok := s.pos[id]
	return ok
}

func (s *idSet) add(id ID) {
	if s.pos == nil {
		s.pos = map[ID]int{}
	}
	if _, ok := s.pos[id]; ok {
		return
	}
	s.pos[id] = len(s.ids)
	s.ids = append(s.ids, id)
}

func (s *idSet) remove(id ID) {
	i, ok := s.pos[id]
	if !ok {
		return
	}
	last := len(s.ids) - 1
	if i != last {
		s.ids[i] = s.ids[last]
		s.pos[s.ids[i]] = i
	}
	s.ids = s.ids[:last]
	delete(s.pos, id)
}
