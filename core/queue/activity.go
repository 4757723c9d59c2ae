package queue

import "time"

// Activity is one torrent's slow flag with libtorrent's low-pass filter (torrent::second_tick,
// on_inactivity_tick): a running torrent becomes inactive (or active again) only when its
// payload rate has stayed on the other side of inactive_down_rate (downloads) or
// inactive_up_rate (finished torrents) for auto_manage_startup seconds, checked once a second.
// A torrent starts active and is active again whenever it is paused.
//
// The zero value is an active torrent. 32 bytes; the session keeps one per torrent.
type Activity struct {
	inactive bool
	pending  bool
	due      time.Time // when a pending change is re-examined (libtorrent's m_inactivity_timer)
}

// Inactive is libtorrent's m_inactive, to be copied into Torrent.Inactive.
func (a *Activity) Inactive() bool { return a.inactive }

// Tick runs once a second for a running torrent (paused torrents do not tick, as in
// libtorrent), with its current payload rates. It reports whether the flag changed, which in
// libtorrent triggers a queue pass when dont_count_slow_torrents is on.
func (a *Activity) Tick(now time.Time, finished bool, downRate, upRate int64, s *Settings) (changed bool) {
	slow := isSlow(finished, downRate, upRate, s)
	// A timer due by now fires first: it re-examines the rate then, not the one that armed it.
	changed = a.fire(now, slow)
	if !s.DontCountSlowTorrents {
		return changed
	}
	if slow != a.inactive && !a.pending {
		a.pending = true
		a.due = now.Add(s.AutoManageStartup)
		// auto_manage_startup 0: libtorrent's timer fires at once, with the same rate.
		changed = a.fire(now, slow) || changed
	} else if slow == a.inactive && a.pending {
		a.pending = false // the rate came back before the timer fired: cancelled
	}
	return changed
}

// fire is on_inactivity_tick for a timer due by now.
func (a *Activity) fire(now time.Time, slow bool) (changed bool) {
	if !a.pending || now.Before(a.due) {
		return false
	}
	a.pending = false
	if slow == a.inactive {
		return false
	}
	a.inactive = slow
	return true
}

// Paused resets the flag as libtorrent's do_pause does: a paused torrent is not inactive, so
// once queued it competes for a slot again, and a pending change is cancelled.
func (a *Activity) Paused() { *a = Activity{} }

// SettingsChanged is libtorrent's update_count_slow, run for every torrent when
// dont_count_slow_torrents is set: the flag takes the current rates at once, unfiltered. It
// reports whether the flag changed.
func (a *Activity) SettingsChanged(finished bool, downRate, upRate int64, s *Settings) (changed bool) {
	a.pending = false
	slow := isSlow(finished, downRate, upRate, s)
	changed = slow != a.inactive
	a.inactive = slow
	return changed
}

// isSlow is libtorrent's is_inactive_internal.
func isSlow(finished bool, downRate, upRate int64, s *Settings) bool {
	if finished {
		return upRate < s.InactiveUpRate
	}
	return downRate < s.InactiveDownRate
}
