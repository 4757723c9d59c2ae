package queue

import "time"

// ID names a torrent to this package. The session chooses it (a handle number, an index); the
// queue only compares IDs.
type ID uint64

// Position is a place in the download queue, 0 first. Torrents that are not downloading
// (finished, seeding, removed) have NoPosition, as in libtorrent 2.0 (queue_position() == -1).
type Position int

// NoPosition is libtorrent's no_pos: the torrent is not in the download queue.
const NoPosition Position = -1

// State is a torrent's state as libtorrent's torrent_status::state_t names them. An error is
// not a state here (libtorrent keeps it apart, in has_error()): see Torrent.Errored.
type State uint8

const (
	// StateCheckingResumeData: the resume data is being checked against the files. Not in any
	// auto-managed list (libtorrent's update_state_list), so the queue leaves it alone.
	StateCheckingResumeData State = iota + 1
	// StateCheckingFiles: waiting for, or doing, a full hash check. Limited by active_checking.
	StateCheckingFiles
	// StateDownloadingMetadata: a magnet link fetching its info dictionary; a download.
	StateDownloadingMetadata
	// StateDownloading: not all wanted pieces yet; a download.
	StateDownloading
	// StateFinished: every wanted piece, not every piece; queued as a seed.
	StateFinished
	// StateSeeding: every piece.
	StateSeeding
)

var stateNames = [...]string{"", "checking_resume_data", "checking_files", "downloading_metadata",
	"downloading", "finished", "seeding"}

func (s State) String() string {
	if int(s) < len(stateNames) && s > 0 {
		return stateNames[s]
	}
	return "unknown"
}

// finished is libtorrent's is_finished() for a torrent in a downloading-type state.
func (s State) finished() bool { return s == StateFinished || s == StateSeeding }

// downloadingState is libtorrent's is_downloading_state(): any state in which the torrent
// uploads or downloads (used by stop_when_ready).
func (s State) downloadingState() bool {
	return s >= StateDownloadingMetadata && s <= StateSeeding
}

// Announce is the set of ways a running torrent announces itself. libtorrent's auto-manager
// sets them per torrent (active_dht_limit, active_tracker_limit, active_lsd_limit); a paused
// torrent announces nowhere.
type Announce uint8

const (
	AnnounceDHT Announce = 1 << iota
	AnnounceTrackers
	AnnounceLSD

	AnnounceAll = AnnounceDHT | AnnounceTrackers | AnnounceLSD
)

// Unknown marks a scrape figure no tracker has reported (libtorrent's 0xffffff).
const Unknown = -1

// Torrent is what the queue needs to know of one torrent: a snapshot the session takes.
type Torrent struct {
	ID          ID
	AutoManaged bool
	// Paused is libtorrent's m_paused. An auto-managed paused torrent is "queued" and the queue
	// may start it; a user who wants a torrent to stay paused clears AutoManaged, as in
	// libtorrent (its pause() alone is undone by the next queue pass).
	Paused   bool
	Errored  bool // has_error(): out of every auto-managed list, so it never holds a slot
	State    State
	Position Position // from Queue.Position; NoPosition for finished torrents
	// Inactive is the filtered flag Activity keeps (libtorrent's m_inactive); it only counts
	// when dont_count_slow_torrents is on.
	Inactive bool
	Announce Announce // where the running torrent announces now (ignored when paused)

	// seed_rank's inputs. Byte totals are payload, all time (resume data keeps them).
	TotalUploaded   int64
	TotalDownloaded int64
	TotalSize       int64 // bytes of the torrent's content (0 before metadata)
	// Time spent running and time spent finished before the current run (libtorrent's
	// m_active_time and m_finished_time, which grow when the torrent pauses), and when the
	// current run started and the torrent last became finished (m_started, m_became_finished;
	// resuming a finished torrent sets both to the resume time). See ActiveTime, FinishedTime.
	ActiveBefore   time.Duration
	FinishedBefore time.Duration
	Started        time.Time
	BecameFinished time.Time
	// The tracker's counts (announce or scrape: complete, incomplete), or Unknown; without
	// them seed_rank counts the peer list instead.
	ScrapeComplete   int
	ScrapeIncomplete int
	PeerListSeeds    int // peers in the peer list known to be seeds
	PeerListPeers    int // all peers in the peer list
}

// ActiveTime is libtorrent's torrent::active_time(): time spent running, counting the current
// run, in whole seconds.
func (t *Torrent) ActiveTime(now time.Time) time.Duration {
	d := t.ActiveBefore
	if !t.Paused {
		d += now.Sub(t.Started)
	}
	return d.Truncate(time.Second)
}

// FinishedTime is libtorrent's torrent::finished_time(): time spent running while finished,
// counting the current run, in whole seconds.
func (t *Torrent) FinishedTime(now time.Time) time.Duration {
	d := t.FinishedBefore
	if t.State.finished() && !t.Paused {
		d += now.Sub(t.BecameFinished)
	}
	return d.Truncate(time.Second)
}

// StopWhenReady mirrors libtorrent's torrent flag stop_when_ready (torrent::set_state): when
// a torrent with the flag moves from a checking state into a state where it would transfer,
// it is paused and taken out of auto-management, and the flag is cleared. It reports whether
// that happens for the transition from -> to.
func StopWhenReady(flag bool, from, to State) bool {
	return flag && !from.downloadingState() && to.downloadingState()
}

// PauseAfterCheck mirrors the end of libtorrent's torrent::on_piece_hashed: when a full check
// completes, an auto-managed torrent stays paused until the next queue pass if the session
// holds more torrents than min(active_downloads, active_seeds, active_limit).
func PauseAfterCheck(autoManaged bool, sessionTorrents int, s *Settings) bool {
	limit := min(unlimited(s.ActiveDownloads), unlimited(s.ActiveSeeds), unlimited(s.ActiveLimit))
	return autoManaged && sessionTorrents > limit
}

// StartOnIncoming mirrors peer_connection::attach_to_torrent: with
// incoming_starts_queued_torrents on, a peer connecting to a queued (paused, auto-managed)
// torrent resumes it; otherwise a paused torrent refuses the peer.
func StartOnIncoming(paused, autoManaged bool, s *Settings) bool {
	return paused && autoManaged && s.IncomingStartsQueuedTorrents
}

// Times keeps one torrent's running and finished times for SeedRank (libtorrent's
// m_active_time, m_finished_time, m_started, m_became_finished) as the session pauses, resumes
// and finishes it. The zero value has never run.
type Times struct {
	ActiveBefore, FinishedBefore time.Duration
	Started, BecameFinished      time.Time
}

// Paused ends a run at now; finished says whether the torrent was finished during it.
func (t *Times) Paused(now time.Time, finished bool) {
	t.ActiveBefore += now.Sub(t.Started)
	if finished {
		t.FinishedBefore += now.Sub(t.BecameFinished)
	}
}

// Resumed starts a run at now (a finished torrent's finished time restarts with it).
func (t *Times) Resumed(now time.Time, finished bool) {
	t.Started = now
	if finished {
		t.BecameFinished = now
	}
}

// Finished records that the torrent became finished at now.
func (t *Times) Finished(now time.Time) { t.BecameFinished = now }

// Unfinished records that a finished torrent went back to downloading at now.
func (t *Times) Unfinished(now time.Time, running bool) {
	if running {
		t.FinishedBefore += now.Sub(t.BecameFinished)
	}
}

// Fill copies the times into a snapshot.
func (t *Times) Fill(qt *Torrent) {
	qt.ActiveBefore, qt.FinishedBefore, qt.Started, qt.BecameFinished = t.ActiveBefore, t.FinishedBefore, t.Started, t.BecameFinished
}
