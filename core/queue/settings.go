package queue

import (
	"fmt"
	"math"
	"time"
)

// Settings are the queueing settings, resolved to typed fields. Names, defaults and meanings
// are libtorrent 2.0's (settings_pack.cpp); Table lists them for the session's settings table
// and Load reads them from it.
type Settings struct {
	// Auto-managed torrents allowed to run: downloading, seeding, checking, and all of them
	// together (checking ones are not counted in active_limit). A negative value is unlimited.
	ActiveDownloads int
	ActiveSeeds     int
	ActiveChecking  int
	ActiveLimit     int
	// Running auto-managed torrents allowed to announce to the DHT, their trackers and LSD.
	ActiveDHTLimit     int
	ActiveTrackerLimit int
	ActiveLSDLimit     int
	// DontCountSlowTorrents: running torrents below the inactive rates (for
	// AutoManageStartup) take no active_downloads/active_seeds slot, only an active_limit one.
	DontCountSlowTorrents bool
	InactiveDownRate      int64 // bytes/s of payload; a download slower than this is inactive
	InactiveUpRate        int64 // bytes/s of payload; a seed slower than this is inactive
	AutoManageStartup     time.Duration
	// AutoManagePreferSeeds gives seeds the active_limit slots first.
	AutoManagePreferSeeds bool
	AutoManageInterval    time.Duration
	// A seed has met its limits, and loses its priority in seed_rank, once it has been
	// finished for SeedTimeLimit, or its finished/downloading time ratio reaches
	// SeedTimeRatioLimit (percent), or its upload/download ratio reaches ShareRatioLimit
	// (percent).
	ShareRatioLimit    int64
	SeedTimeRatioLimit int64
	SeedTimeLimit      time.Duration
	// IncomingStartsQueuedTorrents: a peer connecting to a queued torrent starts it.
	IncomingStartsQueuedTorrents bool
}

// Setting describes one queueing setting as libtorrent names it.
type Setting struct {
	Name     string
	Bool     bool  // a boolean setting (Default is then 0 or 1, Min/Max unused)
	Default  int64 // libtorrent's default
	Min, Max int64 // accepted range; libtorrent accepts any int, libbt names out-of-range values
	Doc      string
	apply    func(s *Settings, v int64)
}

const maxInt32 = math.MaxInt32

// Table lists the queueing settings with libtorrent 2.0's names and defaults, for the session's
// settings table. Counts take -1 for unlimited (libtorrent treats any negative value so; libbt
// accepts -1 only).
var Table = []Setting{
	{"active_downloads", false, 3, -1, maxInt32, "auto-managed downloading torrents running at once; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveDownloads = int(v) }},
	{"active_seeds", false, 5, -1, maxInt32, "auto-managed seeding torrents running at once; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveSeeds = int(v) }},
	{"active_checking", false, 1, -1, maxInt32, "auto-managed torrents checking files at once; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveChecking = int(v) }},
	{"active_limit", false, 500, -1, maxInt32, "auto-managed torrents running at once, slow ones too; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveLimit = int(v) }},
	{"active_dht_limit", false, 88, -1, maxInt32, "running auto-managed torrents announcing to the DHT; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveDHTLimit = int(v) }},
	{"active_tracker_limit", false, 1600, -1, maxInt32, "running auto-managed torrents announcing to trackers; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveTrackerLimit = int(v) }},
	{"active_lsd_limit", false, 60, -1, maxInt32, "running auto-managed torrents announcing on LSD; -1 unlimited",
		func(s *Settings, v int64) { s.ActiveLSDLimit = int(v) }},
	{"dont_count_slow_torrents", true, 1, 0, 1, "slow torrents take no active_downloads/active_seeds slot",
		func(s *Settings, v int64) { s.DontCountSlowTorrents = v != 0 }},
	{"inactive_down_rate", false, 2048, 0, maxInt32, "bytes/s below which a download is slow",
		func(s *Settings, v int64) { s.InactiveDownRate = v }},
	{"inactive_up_rate", false, 2048, 0, maxInt32, "bytes/s below which a seed is slow",
		func(s *Settings, v int64) { s.InactiveUpRate = v }},
	{"auto_manage_startup", false, 60, 0, maxInt32, "s a torrent's speed must stay on one side of the rates to change its slow flag",
		func(s *Settings, v int64) { s.AutoManageStartup = time.Duration(v) * time.Second }},
	{"auto_manage_prefer_seeds", true, 0, 0, 1, "give active_limit slots to seeds before downloads",
		func(s *Settings, v int64) { s.AutoManagePreferSeeds = v != 0 }},
	{"auto_manage_interval", false, 30, 0, maxInt32, "s between queue passes (events trigger one sooner)",
		func(s *Settings, v int64) { s.AutoManageInterval = time.Duration(v) * time.Second }},
	{"share_ratio_limit", false, 200, 0, maxInt32, "% upload/download at which a seed has met its limits",
		func(s *Settings, v int64) { s.ShareRatioLimit = v }},
	{"seed_time_ratio_limit", false, 700, 0, maxInt32, "% finished/downloading time at which a seed has met its limits",
		func(s *Settings, v int64) { s.SeedTimeRatioLimit = v }},
	{"seed_time_limit", false, 24 * 60 * 60, 0, maxInt32, "s finished after which a seed has met its limits",
		func(s *Settings, v int64) { s.SeedTimeLimit = time.Duration(v) * time.Second }},
	{"incoming_starts_queued_torrents", true, 0, 0, 1, "a peer connecting to a queued torrent starts it",
		func(s *Settings, v int64) { s.IncomingStartsQueuedTorrents = v != 0 }},
}

// DefaultSettings returns libtorrent's defaults.
func DefaultSettings() Settings {
	var s Settings
	for _, d := range Table {
		d.apply(&s, d.Default)
	}
	return s
}

// Load reads every queueing setting by name, through the session's typed getters.
func Load(intSetting func(name string) int64, boolSetting func(name string) bool) Settings {
	var s Settings
	for _, d := range Table {
		v := int64(0)
		if d.Bool {
			if boolSetting(d.Name) {
				v = 1
			}
		} else {
			v = intSetting(d.Name)
		}
		d.apply(&s, v)
	}
	return s
}

// Check reports whether v is in a setting's range.
func (d *Setting) Check(v int64) error {
	if v < d.Min || v > d.Max {
		return fmt.Errorf("%d is outside [%d, %d]", v, d.Min, d.Max)
	}
	return nil
}

// unlimited is session_impl::get_int_setting: a negative limit is no limit.
func unlimited(v int) int {
	if v < 0 {
		return math.MaxInt
	}
	return v
}
