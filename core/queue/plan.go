package queue

import (
	"math"
	"time"
)

// ActionKind is what the session does to a torrent.
type ActionKind uint8

const (
	// ActionResume starts a queued torrent (libtorrent's set_paused(false) / resume()); for a
	// torrent in StateCheckingFiles it starts the check.
	ActionResume ActionKind = iota + 1
	// ActionPause queues a running torrent. Graceful (downloads and seeds): libtorrent's
	// graceful_pause | clear_disk_cache, peers with requests in flight finish them first.
	// Checking torrents are paused at once (outstanding hash jobs complete).
	ActionPause
	// ActionAnnounce changes where a running torrent announces (Action.Announce).
	ActionAnnounce
)

var actionNames = [...]string{"", "resume", "pause", "announce"}

func (k ActionKind) String() string {
	if int(k) < len(actionNames) && k > 0 {
		return actionNames[k]
	}
	return "unknown"
}

// Reason says why the queue started or paused a torrent; it names the limit that paused it.
type Reason uint8

const (
	ReasonSlot            Reason = iota + 1 // started: within its limits
	ReasonActiveChecking                    // paused: active_checking torrents are checking
	ReasonActiveDownloads                   // paused: active_downloads torrents are downloading
	ReasonActiveSeeds                       // paused: active_seeds torrents are seeding
	ReasonActiveLimit                       // paused: active_limit torrents are running
)

var reasonNames = [...]string{"", "auto-managed: started",
	"auto-managed: queued, active_checking reached", "auto-managed: queued, active_downloads reached",
	"auto-managed: queued, active_seeds reached", "auto-managed: queued, active_limit reached"}

func (r Reason) String() string {
	if int(r) < len(reasonNames) && r > 0 {
		return reasonNames[r]
	}
	return "unknown"
}

// Action is one change the session makes.
type Action struct {
	ID       ID
	Kind     ActionKind
	Graceful bool     // ActionPause: pause gracefully
	Check    bool     // ActionResume: the torrent resumes to check its files
	Announce Announce // ActionResume, ActionAnnounce: where it announces from now on
	Reason   Reason
}

// AlertKind is the alert libtorrent raises for an action.
type AlertKind uint8

const (
	AlertTorrentResumed AlertKind = iota + 1 // torrent_resumed_alert
	AlertTorrentPaused                       // torrent_paused_alert
)

// Alert is an alert the session raises, with the reason for its message. libtorrent raises
// torrent_paused for a graceful pause when the torrent's last peer has gone (at once if it has
// none), and for a checking torrent when its outstanding hash jobs are done.
type Alert struct {
	ID     ID
	Kind   AlertKind
	Reason Reason
}

// Decision is the outcome of one queue pass.
type Decision struct {
	Actions []Action
	Alerts  []Alert
	// Auto-managed torrents running after the pass: checking, downloading and seeding within
	// their limits, and slow ones kept running outside active_downloads/active_seeds.
	Checking, Downloading, Seeding, Slow int
}

// Planner runs queue passes. It keeps scratch space between passes, so a pass over a steady
// set of torrents allocates only its Decision. Not safe for concurrent use.
//
// Memory: 16 bytes per auto-managed torrent of scratch, kept at the size of the largest pass.
type Planner struct {
	checking, downloads, seeds []uint64 // sort key << 32 | index into the snapshot
	scratch                    []uint64 // sortKeys' second buffer
}

// Plan is libtorrent's session_impl::recalculate_auto_managed_torrents over a snapshot of the
// session's torrents: which auto-managed torrents run and which are queued. Only transitions
// come out as actions (and alerts); a torrent already where it should be is not mentioned. A
// paused session does not run passes (libtorrent returns at once).
//
//   - Auto-managed torrents without an error fall in three lists: checking files (in queue
//     order), downloading (in queue order) and finished (by SeedRank, highest first). Others
//     (not auto-managed, errored, checking resume data) are left alone, so a torrent that
//     cannot be checked never holds a slot.
//   - The first active_checking checking torrents check; the rest are paused
//     (auto_manage_checking_torrents). Checking torrents are outside active_limit.
//   - Downloads then seeds (seeds first with auto_manage_prefer_seeds) take slots in order: a
//     torrent runs while both its type's limit (active_downloads, active_seeds) and active_limit
//     have room; with dont_count_slow_torrents, a running slow torrent takes an active_limit
//     slot only (auto_manage_torrents). Every other one is paused gracefully.
//   - Running torrents announce to the DHT, trackers and LSD while active_dht_limit,
//     active_tracker_limit and active_lsd_limit last, in the same order. A torrent started by
//     this pass announces everywhere until the next pass (libtorrent's resume sets all three
//     after the auto-manager set them).
func (pl *Planner) Plan(now time.Time, torrents []Torrent, s *Settings) Decision {
	pl.checking, pl.downloads, pl.seeds = pl.checking[:0], pl.downloads[:0], pl.seeds[:0]
	for i := range torrents {
		t := &torrents[i]
		if !t.AutoManaged || t.Errored {
			continue
		}
		switch t.State {
		case StateCheckingFiles:
			pl.checking = append(pl.checking, positionKey(t.Position, i))
		case StateDownloadingMetadata, StateDownloading:
			pl.downloads = append(pl.downloads, positionKey(t.Position, i))
		case StateFinished, StateSeeding:
			// Highest rank first: the complement sorts descending.
			pl.seeds = append(pl.seeds, uint64(^uint32(SeedRank(t, now, s)))<<32|uint64(i))
		}
	}
	// libtorrent sorts only the first active_limit entries (partial_sort) and not at all when
	// active_limit is 0; the order of the rest does not change which torrents run, up to ties,
	// which the snapshot order breaks here.
	sortKeys(pl.checking, &pl.scratch)
	sortKeys(pl.downloads, &pl.scratch)
	sortKeys(pl.seeds, &pl.scratch)

	var d Decision
	checkLimit := unlimited(s.ActiveChecking)
	for _, k := range pl.checking {
		t := &torrents[uint32(k)]
		if checkLimit <= 0 {
			d.pause(t, false, ReasonActiveChecking)
			continue
		}
		checkLimit--
		d.Checking++
		if t.Paused {
			d.Actions = append(d.Actions, Action{ID: t.ID, Kind: ActionResume, Check: true, Reason: ReasonSlot})
			d.Alerts = append(d.Alerts, Alert{ID: t.ID, Kind: AlertTorrentResumed, Reason: ReasonSlot})
		}
	}

	m := manager{
		torrents: torrents,
		dht:      unlimited(s.ActiveDHTLimit),
		trackers: unlimited(s.ActiveTrackerLimit),
		lsd:      unlimited(s.ActiveLSDLimit),
		hard:     unlimited(s.ActiveLimit),
		slow:     s.DontCountSlowTorrents,
		d:        &d,
	}
	if s.AutoManagePreferSeeds {
		d.Seeding = m.manage(pl.seeds, unlimited(s.ActiveSeeds), ReasonActiveSeeds)
		d.Downloading = m.manage(pl.downloads, unlimited(s.ActiveDownloads), ReasonActiveDownloads)
	} else {
		d.Downloading = m.manage(pl.downloads, unlimited(s.ActiveDownloads), ReasonActiveDownloads)
		d.Seeding = m.manage(pl.seeds, unlimited(s.ActiveSeeds), ReasonActiveSeeds)
	}
	return d
}

// manager carries the shared budgets through both lists, as auto_manage_torrents' references.
type manager struct {
	torrents           []Torrent
	dht, trackers, lsd int
	hard               int
	slow               bool
	d                  *Decision
}

// manage is libtorrent's session_impl::auto_manage_torrents for one sorted list. It returns how
// many took a slot of the type's limit.
func (m *manager) manage(list []uint64, typeLimit int, typeReason Reason) (counted int) {
	for _, k := range list {
		t := &m.torrents[uint32(k)]
		switch {
		case m.hard > 0 && m.slow && t.Inactive:
			m.hard--
			m.d.Slow++
			m.run(t)
		case typeLimit > 0 && m.hard > 0:
			m.hard--
			typeLimit--
			counted++
			m.run(t)
		default:
			reason := typeReason
			if m.hard <= 0 {
				reason = ReasonActiveLimit
			}
			m.d.pause(t, true, reason)
		}
	}
	return counted
}

func (m *manager) run(t *Torrent) {
	var ann Announce
	if m.dht--; m.dht >= 0 {
		ann |= AnnounceDHT
	}
	if m.trackers--; m.trackers >= 0 {
		ann |= AnnounceTrackers
	}
	if m.lsd--; m.lsd >= 0 {
		ann |= AnnounceLSD
	}
	switch {
	case t.Paused:
		m.d.Actions = append(m.d.Actions, Action{ID: t.ID, Kind: ActionResume, Announce: AnnounceAll, Reason: ReasonSlot})
		m.d.Alerts = append(m.d.Alerts, Alert{ID: t.ID, Kind: AlertTorrentResumed, Reason: ReasonSlot})
	case t.Announce != ann:
		m.d.Actions = append(m.d.Actions, Action{ID: t.ID, Kind: ActionAnnounce, Announce: ann, Reason: ReasonSlot})
	}
}

func (d *Decision) pause(t *Torrent, graceful bool, reason Reason) {
	if t.Paused {
		return
	}
	d.Actions = append(d.Actions, Action{ID: t.ID, Kind: ActionPause, Graceful: graceful, Reason: reason})
	d.Alerts = append(d.Alerts, Alert{ID: t.ID, Kind: AlertTorrentPaused, Reason: reason})
}

// positionKey sorts by queue position, then snapshot index. NoPosition (never expected for a
// download) sorts first, as it does in libtorrent's comparison.
func positionKey(p Position, i int) uint64 {
	p = min(max(p, math.MinInt32), math.MaxInt32)
	return uint64(uint32(int32(p))^0x80000000)<<32 | uint64(i)
}
