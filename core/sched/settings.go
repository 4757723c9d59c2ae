package sched

import (
	"fmt"
	"math"
	"time"
)

// ChokingAlgorithm is libtorrent's choking_algorithm.
type ChokingAlgorithm int

const (
	// FixedSlots unchokes unchoke_slots_limit peers (libtorrent's fixed_slots_choker).
	FixedSlots ChokingAlgorithm = 0
	// RateBased opens slots while the upload rate to the peers earns them
	// (libtorrent's rate_based_choker); unchoke_slots_limit is ignored.
	RateBased ChokingAlgorithm = 2
)

// SeedChokingAlgorithm is libtorrent's seed_choking_algorithm: how peers of seeding torrents
// (who send us nothing) are ranked.
type SeedChokingAlgorithm int

const (
	RoundRobin    SeedChokingAlgorithm = 0 // rotate slots after seeding_piece_quota pieces
	FastestUpload SeedChokingAlgorithm = 1 // the peers we upload to fastest
	AntiLeech     SeedChokingAlgorithm = 2 // peers that just started or nearly finished
)

// Settings are the scheduler's settings, resolved to typed fields. Names, defaults and meanings
// are libtorrent 2.0's (settings_pack.cpp).
type Settings struct {
	UnchokeSlots        int // unchoke_slots_limit, session-wide; negative is unlimited
	Choking             ChokingAlgorithm
	SeedChoking         SeedChokingAlgorithm
	OptimisticSlots     int // num_optimistic_unchoke_slots; 0 is max(1, slots/5)
	UnchokeInterval     time.Duration
	OptimisticInterval  time.Duration
	SeedingPieceQuota   int   // pieces a round-robin seed slot serves before it rotates
	RateChokerInitial   int64 // rate_choker_initial_threshold, bytes/s
	ConnectionsLimit    int   // connections_limit, session-wide
	ConnectionSpeed     int   // connection attempts per second, session-wide
	ConnectSeedEvery    int   // connect_seed_every_n_download
	DHTAnnounceInterval time.Duration
	MaxTrackerAnnounces int // max_concurrent_http_announces: tracker announces in flight
}

// Setting describes one scheduler setting as libtorrent names it.
type Setting struct {
	Name     string
	Default  int64 // libtorrent's default (libbt's where it differs, see Doc)
	Min, Max int64
	Doc      string
	apply    func(s *Settings, v int64)
}

const maxInt32 = math.MaxInt32

// Table lists the scheduler's settings with libtorrent 2.0's names and defaults.
var Table = []Setting{
	{"unchoke_slots_limit", 8, -1, 10000, "peers unchoked at once across the session (fixed_slots); -1 unlimited",
		func(s *Settings, v int64) { s.UnchokeSlots = int(v) }},
	{"choking_algorithm", 0, 0, 2, "0 fixed_slots, 2 rate_based (1, bittyrant, is gone in libtorrent 2.0 and rejected)",
		func(s *Settings, v int64) { s.Choking = ChokingAlgorithm(v) }},
	{"seed_choking_algorithm", 0, 0, 2, "0 round_robin, 1 fastest_upload, 2 anti_leech",
		func(s *Settings, v int64) { s.SeedChoking = SeedChokingAlgorithm(v) }},
	{"num_optimistic_unchoke_slots", 0, 0, 10000, "optimistic unchoke slots; 0 is a fifth of the unchoke slots, at least 1",
		func(s *Settings, v int64) { s.OptimisticSlots = int(v) }},
	{"unchoke_interval", 15, 1, maxInt32, "s between unchoke rounds",
		func(s *Settings, v int64) { s.UnchokeInterval = time.Duration(v) * time.Second }},
	{"optimistic_unchoke_interval", 30, 1, maxInt32, "s between optimistic unchoke rounds",
		func(s *Settings, v int64) { s.OptimisticInterval = time.Duration(v) * time.Second }},
	{"seeding_piece_quota", 20, 1, maxInt32, "pieces a round-robin seeding slot serves before it rotates",
		func(s *Settings, v int64) { s.SeedingPieceQuota = int(v) }},
	{"rate_choker_initial_threshold", 1024, 0, maxInt32, "bytes/s the first rate_based slot needs (each next one 2 KiB/s more)",
		func(s *Settings, v int64) { s.RateChokerInitial = v }},
	{"connections_limit", 200, 1, 65535, "peer connections across the session, shared fairly by the torrents that want peers",
		func(s *Settings, v int64) { s.ConnectionsLimit = int(v) }},
	{"connection_speed", 30, 0, 65535, "outgoing connection attempts per second across the session",
		func(s *Settings, v int64) { s.ConnectionSpeed = int(v) }},
	{"connect_seed_every_n_download", 10, 0, maxInt32, "connection attempts for downloads per one for a seed; 0 never seeds",
		func(s *Settings, v int64) { s.ConnectSeedEvery = int(v) }},
	{"dht_announce_interval", 15 * 60, 1, maxInt32, "s in which every torrent announces to the DHT once, spread one at a time",
		func(s *Settings, v int64) { s.DHTAnnounceInterval = time.Duration(v) * time.Second }},
	{"max_concurrent_http_announces", 50, 1, maxInt32, "tracker announces in flight at once; more wait their turn",
		func(s *Settings, v int64) { s.MaxTrackerAnnounces = int(v) }},
}

// DefaultSettings returns libtorrent's defaults.
func DefaultSettings() Settings {
	var s Settings
	for _, d := range Table {
		d.apply(&s, d.Default)
	}
	return s
}

// Load reads every scheduler setting by name through the session's getter.
func Load(intSetting func(name string) int64) Settings {
	var s Settings
	for _, d := range Table {
		d.apply(&s, intSetting(d.Name))
	}
	return s
}

// Check reports whether v is in a setting's range. choking_algorithm 1 (bittyrant) is refused
// as libtorrent 2.0 dropped it.
func (d *Setting) Check(v int64) error {
	if d.Name == "choking_algorithm" && v == 1 {
		return fmt.Errorf("1 (bittyrant) is not supported; use 0 (fixed_slots) or 2 (rate_based)")
	}
	if v < d.Min || v > d.Max {
		return fmt.Errorf("%d is outside [%d, %d]", v, d.Min, d.Max)
	}
	return nil
}

// unlimited is libtorrent's reading of a negative limit.
func unlimited(v int) int {
	if v < 0 {
		return math.MaxInt
	}
	return v
}
