package lsd

import (
	"time"

	"github.com/libbt/libbt/core/metainfo"
)

const (
	// DefaultInterval is how often each torrent is announced again, as libtorrent does.
	DefaultInterval = 5 * time.Minute
	// MinInterval is the shortest time between two announces of one torrent (BEP 14: at most
	// once a minute), also across Remove and Add and port changes.
	MinInterval = time.Minute
)

// schedule decides when each info-hash is announced. It is plain data, guarded by Service.mu.
type schedule struct {
	interval time.Duration
	entries  map[metainfo.InfoHash]*entry
}

type entry struct {
	active bool      // added and not removed
	last   time.Time // last sent; zero if never
	next   time.Time // due time while active
}

func newSchedule(interval time.Duration) *schedule {
	return &schedule{interval: max(interval, MinInterval), entries: map[metainfo.InfoHash]*entry{}}
}

// earliest is the soonest time e may be sent again.
func (e *entry) earliest() time.Time {
	if e.last.IsZero() {
		return time.Time{}
	}
	return e.last.Add(MinInterval)
}

// add makes ih announced: at once, unless it was sent less than MinInterval ago.
func (s *schedule) add(ih metainfo.InfoHash, now time.Time) bool {
	e := s.entries[ih]
	if e == nil {
		e = &entry{}
		s.entries[ih] = e
	}
	if e.active {
		return false
	}
	e.active = true
	e.next = maxTime(now, e.earliest())
	return true
}

// remove stops announcing ih; its last send time is kept for MinInterval so a quick re-add
// cannot flood the group.
func (s *schedule) remove(ih metainfo.InfoHash) {
	e := s.entries[ih]
	switch {
	case e == nil:
	case e.last.IsZero():
		delete(s.entries, ih) // never sent: nothing to rate-limit
	default:
		e.active = false
	}
}

// has reports whether ih is being announced.
func (s *schedule) has(ih metainfo.InfoHash) bool {
	e := s.entries[ih]
	return e != nil && e.active
}

// soon makes every active entry due as early as MinInterval allows (after a port change).
func (s *schedule) soon(now time.Time) {
	for _, e := range s.entries {
		if e.active {
			e.next = maxTime(now, e.earliest())
		}
	}
}

// due returns the active info-hashes to send now, marks them sent, and forgets removed
// entries whose MinInterval has passed.
func (s *schedule) due(now time.Time) []metainfo.InfoHash {
	var out []metainfo.InfoHash
	for ih, e := range s.entries {
		if !e.active {
			if !now.Before(e.earliest()) {
				delete(s.entries, ih)
			}
			continue
		}
		if !now.Before(e.next) {
			out = append(out, ih)
			e.last = now
			e.next = now.Add(s.interval)
		}
	}
	return out
}

// wake is when due next has something to do, or zero if never.
func (s *schedule) wake() time.Time {
	var w time.Time
	for _, e := range s.entries {
		t := e.next
		if !e.active {
			t = e.earliest()
		}
		if w.IsZero() || t.Before(w) {
			w = t
		}
	}
	return w
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
