package sched

import "time"

// DHTAnnouncer spreads DHT announces as libtorrent's session_impl::on_dht_announce does: one
// torrent at a time, round robin over the torrents that announce to the DHT, one every
// dht_announce_interval / torrents (at least a second), so each announces about once per
// interval however many there are. Torrents added with priority (new ones, magnet links that
// need peers) go first, the first at once and the next within 4 s each.
//
// Memory: about 40 bytes per torrent announcing to the DHT.
type DHTAnnouncer struct {
	ring   []ID
	pos    map[ID]int // index in ring
	prio   []ID       // FIFO of torrents announcing before their turn
	inPrio map[ID]bool
	cursor int
	next   int64 // Unix ns of the next announce; 0: at once
}

// Len is the number of torrents announcing to the DHT.
func (a *DHTAnnouncer) Len() int { return len(a.ring) }

// Add puts a torrent in the rotation; priority puts it at the head of the line.
func (a *DHTAnnouncer) Add(now time.Time, id ID, priority bool) {
	if a.pos == nil {
		a.pos, a.inPrio = map[ID]int{}, map[ID]bool{}
	}
	if _, ok := a.pos[id]; !ok {
		a.pos[id] = len(a.ring)
		a.ring = append(a.ring, id)
	}
	if priority && !a.inPrio[id] {
		if len(a.prio) == 0 {
			a.next = min(a.next, now.UnixNano())
		}
		a.inPrio[id] = true
		a.prio = append(a.prio, id)
	}
}

// Remove takes a torrent out of the rotation (paused, removed, or its DHT announces turned
// off by the queue's active_dht_limit).
func (a *DHTAnnouncer) Remove(id ID) {
	i, ok := a.pos[id]
	if !ok {
		return
	}
	last := len(a.ring) - 1
	if i != last {
		a.ring[i] = a.ring[last]
		a.pos[a.ring[i]] = i
	}
	a.ring = a.ring[:last]
	delete(a.pos, id)
	if a.cursor > i {
		a.cursor-- // keep the rotation's place roughly where it was
	}
	if a.inPrio[id] {
		delete(a.inPrio, id)
		for j, p := range a.prio {
			if p == id {
				a.prio = append(a.prio[:j], a.prio[j+1:]...)
				break
			}
		}
	}
}

// Next returns when the next announce is due, or false with no torrent to announce.
func (a *DHTAnnouncer) Next() (time.Time, bool) {
	if len(a.ring) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, a.next), true
}

// Due returns the torrent to announce now, if one is due, and sets the time of the next.
func (a *DHTAnnouncer) Due(now time.Time, interval time.Duration) (ID, bool) {
	ns := now.UnixNano()
	if len(a.ring) == 0 || ns < a.next {
		return 0, false
	}
	var id ID
	if len(a.prio) > 0 {
		id = a.prio[0]
		a.prio = a.prio[1:]
		delete(a.inPrio, id)
	} else {
		if a.cursor >= len(a.ring) {
			a.cursor = 0
		}
		id = a.ring[a.cursor]
		a.cursor++
	}
	delay := max(interval/time.Duration(len(a.ring)), time.Second)
	if len(a.prio) > 0 {
		delay = min(delay, 4*time.Second)
	}
	a.next = ns + int64(delay)
	return id, true
}

// Trackers spreads tracker announces: each torrent is due at the time its trackers asked for
// (the session computes it from the interval, min_announce_interval and back-off), and of the
// ones due, at most max_concurrent_http_announces are in flight at once; the rest wait in due
// order. So 10,000 torrents started together announce 50 at a time instead of at once.
type Trackers struct {
	due      Due
	inFlight map[ID]bool
}

// Schedule sets when a torrent's next announce is due (moving it if set).
func (t *Trackers) Schedule(id ID, at time.Time) { t.due.Set(id, at) }

// Cancel forgets a torrent's scheduled announce and its place in flight (paused or removed).
func (t *Trackers) Cancel(id ID) {
	t.due.Cancel(id)
	delete(t.inFlight, id)
}

// Done records that a torrent's announce finished; the session then schedules the next.
func (t *Trackers) Done(id ID) { delete(t.inFlight, id) }

// InFlight is the number of announces in flight.
func (t *Trackers) InFlight() int { return len(t.inFlight) }

// Scheduled is the number of torrents with an announce scheduled.
func (t *Trackers) Scheduled() int { return t.due.Len() }

// Next returns when the earliest scheduled announce is due.
func (t *Trackers) Next() (time.Time, bool) { return t.due.Next() }

// Due appends the torrents whose announce starts now, marking them in flight: due ones, in due
// order, as far as max_concurrent_http_announces allows.
func (t *Trackers) Due(now time.Time, s *Settings, dst []ID) []ID {
	room := s.MaxTrackerAnnounces - len(t.inFlight)
	if room <= 0 {
		return dst
	}
	start := len(dst)
	dst = t.due.Pop(now, room, dst)
	if len(dst) > start && t.inFlight == nil {
		t.inFlight = map[ID]bool{}
	}
	for _, id := range dst[start:] {
		t.inFlight[id] = true
	}
	return dst
}
