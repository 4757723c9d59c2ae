package queue

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Mirrors libtorrent 2.0's torrent::second_tick (arming m_inactivity_timer for
// auto_manage_startup when is_inactive_internal differs from m_inactive, cancelling it when
// they agree again) and on_inactivity_tick (re-examining the rate when the timer fires).
func TestActivityFiltersLikeLibtorrent(t *testing.T) {
	type tick struct {
		at       int   // seconds after t0
		down, up int64 // payload rates
		changed  bool
		inactive bool
	}
	cases := []struct {
		name     string
		finished bool
		edit     func(*Settings)
		ticks    []tick
	}{
		{
			name: "a slow download turns inactive after auto_manage_startup",
			ticks: []tick{
				{at: 0, down: 0}, {at: 1, down: 0}, {at: 59, down: 0},
				{at: 60, down: 0, changed: true, inactive: true},
				{at: 61, down: 0, inactive: true},
			},
		},
		{
			name: "a burst before the timer fires cancels it; the next slow tick rearms it",
			ticks: []tick{
				{at: 0, down: 0}, {at: 30, down: 5000}, {at: 31, down: 0}, {at: 60, down: 0},
				{at: 90, down: 0}, {at: 91, down: 0, changed: true, inactive: true},
			},
		},
		{
			name: "the timer looks at the rate when it fires, not when it was armed",
			ticks: []tick{
				{at: 0, down: 0}, {at: 60, down: 5000},
				// at 60 the timer fired with the torrent fast again: no change, and the tick
				// arms nothing because the flag already says active.
				{at: 61, down: 0}, {at: 121, down: 0, changed: true, inactive: true},
			},
		},
		{
			name: "an inactive download turns active again after auto_manage_startup",
			ticks: []tick{
				{at: 0, down: 0}, {at: 60, down: 0, changed: true, inactive: true},
				{at: 61, down: 2048, inactive: true}, {at: 120, down: 2048, inactive: true},
				{at: 121, down: 2048, changed: true},
			},
		},
		{
			name:  "exactly inactive_down_rate is not slow",
			ticks: []tick{{at: 0, down: 2048}, {at: 100, down: 2048}},
		},
		{
			name:     "a finished torrent is judged by its upload rate",
			finished: true,
			ticks: []tick{
				{at: 0, down: 1 << 20, up: 100}, {at: 60, down: 1 << 20, up: 100, changed: true, inactive: true},
			},
		},
		{
			name: "auto_manage_startup 0 flips at once",
			edit: func(s *Settings) { s.AutoManageStartup = 0 },
			ticks: []tick{
				{at: 0, down: 0, changed: true, inactive: true}, {at: 1, down: 5000, changed: true},
			},
		},
		{
			name: "without dont_count_slow_torrents nothing is armed",
			edit: func(s *Settings) { s.DontCountSlowTorrents = false },
			ticks: []tick{
				{at: 0, down: 0}, {at: 60, down: 0}, {at: 600, down: 0},
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := DefaultSettings()
			if c.edit != nil {
				c.edit(&s)
			}
			var a Activity
			for _, k := range c.ticks {
				changed := a.Tick(t0.Add(time.Duration(k.at)*time.Second), c.finished, k.down, k.up, &s)
				require.Equal(t, k.changed, changed, "changed at %d s", k.at)
				require.Equal(t, k.inactive, a.Inactive(), "inactive at %d s", k.at)
			}
		})
	}
}

// torrent::do_pause sets m_inactive = false and cancels the timer.
func TestActivityPausedIsActive(t *testing.T) {
	s := DefaultSettings()
	var a Activity
	a.Tick(t0, false, 0, 0, &s)
	require.True(t, a.Tick(t0.Add(time.Minute), false, 0, 0, &s))
	require.True(t, a.Inactive())
	a.Paused()
	require.False(t, a.Inactive())
	// Resumed, it starts over: active until a full auto_manage_startup of slowness.
	require.False(t, a.Tick(t0.Add(2*time.Minute), false, 0, 0, &s))
	require.False(t, a.Inactive())
}

// session_impl::update_count_slow runs on_inactivity_tick for every torrent: the flag takes the
// current rate at once.
func TestActivitySettingsChangedTakesTheRateAtOnce(t *testing.T) {
	s := DefaultSettings()
	var a Activity
	a.Tick(t0, false, 0, 0, &s) // armed
	require.True(t, a.SettingsChanged(false, 0, 0, &s))
	require.True(t, a.Inactive())
	require.False(t, a.SettingsChanged(false, 0, 0, &s))
	require.True(t, a.SettingsChanged(false, 1<<20, 0, &s))
	require.False(t, a.Inactive())
}
