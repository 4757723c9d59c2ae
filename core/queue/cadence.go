package queue

import "time"

// Cadence says when a queue pass is due, as libtorrent schedules
// recalculate_auto_managed_torrents: every auto_manage_interval, and soon after an event that
// may change the outcome (a torrent added, removed, finished, paused, resumed, moved in the
// queue, turning slow or fast, a queueing setting changed: trigger_auto_manage), but not more
// than once a second so that adding many torrents costs one pass. The zero value is due at once.
type Cadence struct {
	last      time.Time
	triggered bool
}

// Trigger asks for a pass soon (trigger_auto_manage).
func (c *Cadence) Trigger() { c.triggered = true }

// Due reports whether a pass should run at now (the scheduler asks on its tick).
func (c *Cadence) Due(now time.Time, s *Settings) bool {
	if c.last.IsZero() {
		return true
	}
	since := now.Sub(c.last)
	return since >= s.AutoManageInterval || (c.triggered && since >= time.Second)
}

// Next returns when the next pass is due, for a scheduler that sleeps until then: at once for
// the zero value, a second after the last pass when triggered, else auto_manage_interval after
// it.
func (c *Cadence) Next(s *Settings) time.Time {
	switch {
	case c.last.IsZero():
		return time.Time{}
	case c.triggered:
		return c.last.Add(time.Second)
	}
	return c.last.Add(s.AutoManageInterval)
}

// Ran records that a pass ran at now.
func (c *Cadence) Ran(now time.Time) {
	c.last = now
	c.triggered = false
}
