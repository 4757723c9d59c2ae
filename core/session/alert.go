package session

import (
	"fmt"
	"sync"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/metainfo"
)

// Category is a bit set classifying alerts; the session's alert_mask selects which are queued.
type Category uint32

const (
	CategoryError       Category = 0x1
	CategoryStatus      Category = 0x2
	CategoryPeer        Category = 0x4
	CategoryTracker     Category = 0x8
	CategoryStorage     Category = 0x10
	CategoryProgress    Category = 0x20
	CategoryPerformance Category = 0x40
	CategoryDHT         Category = 0x80
	CategoryAll         Category = 0x7fffffff
)

// AlertType identifies an alert; the numbers are part of the C ABI (bt_alert_type).
type AlertType int

const (
	AlertTorrentAdded AlertType = iota + 1
	AlertTorrentRemoved
	AlertStateChanged
	AlertTorrentFinished
	AlertTorrentPaused
	AlertTorrentResumed
	AlertTorrentChecked
	AlertTorrentError
	AlertFileError
	AlertPieceFinished
	AlertHashFailed
	AlertTrackerAnnounce
	AlertTrackerReply
	AlertTrackerError
	AlertTrackerWarning
	AlertPeerConnected
	AlertPeerDisconnected
	AlertPeerError
	AlertListenSucceeded
	AlertListenFailed
	AlertMetadataReceived
	AlertMetadataFailed
	AlertAlertsDropped
	AlertPerformance
	AlertWebSeedError       // URL, Err: a web seed failed and is backed off or banned
	AlertDHTReply           // Count: peers a DHT announce found for the torrent
	AlertFastResumeRejected // Err: why the resume data was not used (a full check follows)
	AlertTorrentSanitized   // Message: what loading the torrent changed (paths renamed, unsorted keys, ...)
	AlertPeerBanned         // Endpoint, Message: why (hash failures); the IP is refused from now on
	AlertSessionError       // Err, Message: a session-wide failure (a recovered panic outside any torrent)
	AlertBlockTimeout       // Endpoint, Piece: a requested block did not arrive in time and is asked again
	AlertAddTorrentFailed   // Err, Message: a torrent could not be added (a limit, a parse error); InfoHash if known
	alertTypeEnd
)

var alertTypeNames = [...]string{
	AlertTorrentAdded:       "torrent_added",
	AlertTorrentRemoved:     "torrent_removed",
	AlertStateChanged:       "state_changed",
	AlertTorrentFinished:    "torrent_finished",
	AlertTorrentPaused:      "torrent_paused",
	AlertTorrentResumed:     "torrent_resumed",
	AlertTorrentChecked:     "torrent_checked",
	AlertTorrentError:       "torrent_error",
	AlertFileError:          "file_error",
	AlertPieceFinished:      "piece_finished",
	AlertHashFailed:         "hash_failed",
	AlertTrackerAnnounce:    "tracker_announce",
	AlertTrackerReply:       "tracker_reply",
	AlertTrackerError:       "tracker_error",
	AlertTrackerWarning:     "tracker_warning",
	AlertPeerConnected:      "peer_connected",
	AlertPeerDisconnected:   "peer_disconnected",
	AlertPeerError:          "peer_error",
	AlertListenSucceeded:    "listen_succeeded",
	AlertListenFailed:       "listen_failed",
	AlertMetadataReceived:   "metadata_received",
	AlertMetadataFailed:     "metadata_failed",
	AlertAlertsDropped:      "alerts_dropped",
	AlertPerformance:        "performance",
	AlertWebSeedError:       "web_seed_error",
	AlertDHTReply:           "dht_reply",
	AlertFastResumeRejected: "fastresume_rejected",
	AlertTorrentSanitized:   "torrent_sanitized",
	AlertPeerBanned:         "peer_banned",
	AlertSessionError:       "session_error",
	AlertBlockTimeout:       "block_timeout",
	AlertAddTorrentFailed:   "add_torrent_failed",
}

var alertCategories = [...]Category{
	AlertTorrentAdded:       CategoryStatus,
	AlertTorrentRemoved:     CategoryStatus,
	AlertStateChanged:       CategoryStatus,
	AlertTorrentFinished:    CategoryStatus,
	AlertTorrentPaused:      CategoryStatus,
	AlertTorrentResumed:     CategoryStatus,
	AlertTorrentChecked:     CategoryStatus,
	AlertTorrentError:       CategoryError | CategoryStatus,
	AlertFileError:          CategoryError | CategoryStorage,
	AlertPieceFinished:      CategoryProgress,
	AlertHashFailed:         CategoryStatus,
	AlertTrackerAnnounce:    CategoryTracker,
	AlertTrackerReply:       CategoryTracker,
	AlertTrackerError:       CategoryTracker | CategoryError,
	AlertTrackerWarning:     CategoryTracker | CategoryError,
	AlertPeerConnected:      CategoryPeer,
	AlertPeerDisconnected:   CategoryPeer,
	AlertPeerError:          CategoryPeer | CategoryError,
	AlertListenSucceeded:    CategoryStatus,
	AlertListenFailed:       CategoryStatus | CategoryError,
	AlertMetadataReceived:   CategoryStatus,
	AlertMetadataFailed:     CategoryError,
	AlertAlertsDropped:      CategoryError,
	AlertPerformance:        CategoryPerformance,
	AlertWebSeedError:       CategoryPeer | CategoryError,
	AlertDHTReply:           CategoryDHT,
	AlertFastResumeRejected: CategoryStorage | CategoryError,
	AlertTorrentSanitized:   CategoryStatus,
	AlertPeerBanned:         CategoryPeer | CategoryError,
	AlertSessionError:       CategoryError,
	AlertBlockTimeout:       CategoryPeer,
	AlertAddTorrentFailed:   CategoryError | CategoryStatus,
}

func (t AlertType) String() string {
	if t > 0 && t < alertTypeEnd {
		return alertTypeNames[t]
	}
	return "unknown"
}

// Category returns the categories an alert type belongs to.
func (t AlertType) Category() Category {
	if t > 0 && t < alertTypeEnd {
		return alertCategories[t]
	}
	return 0
}

// Alert is one event reported by the session. Fields beyond Type, Time and Message are set only
// for the types that document them (see include/libbt.h).
type Alert struct {
	Type      AlertType
	Time      time.Time
	Torrent   *Torrent // nil when the alert is not about a torrent
	InfoHash  metainfo.InfoHash
	Message   string
	Err       error  // TorrentError, FileError, TrackerError, PeerError, ListenFailed
	State     State  // StateChanged
	PrevState State  // StateChanged
	Piece     int    // PieceFinished, HashFailed, BlockTimeout; -1 otherwise
	Count     int64  // TrackerReply: peers; AlertsDropped: alerts
	Endpoint  string // peer or listen address
	URL       string // tracker URL
	Path      string // FileError
	Operation string // FileError: "read", "write", ...; TrackerAnnounce: event
}

// Category returns the alert's categories.
func (a *Alert) Category() Category { return a.Type.Category() }

func (a *Alert) String() string { return fmt.Sprintf("%s: %s", a.Type, a.Message) }

// alertQueue is a bounded queue. When full, new alerts are dropped and counted by type; the next
// pop starts with an AlertsDropped alert. Errors get extra room, as in libtorrent, so a flood of
// progress alerts cannot hide them.
type alertQueue struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []Alert
	limit   int
	mask    Category
	dropped map[AlertType]int64
	closed  bool
	notify  func()
}

func newAlertQueue(limit int, mask Category) *alertQueue {
	q := &alertQueue{limit: limit, mask: mask, dropped: map[AlertType]int64{}}
	q.cond = sync.NewCond(&q.mu)
	return q
}

func (q *alertQueue) configure(limit int, mask Category) {
	q.mu.Lock()
	q.limit, q.mask = limit, mask
	q.mu.Unlock()
}

// wants reports whether alerts of type t would be queued; callers skip building costly messages.
func (q *alertQueue) wants(t AlertType) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mask&t.Category() != 0
}

func (q *alertQueue) push(a Alert) {
	q.mu.Lock()
	if q.closed || q.mask&a.Type.Category() == 0 {
		q.mu.Unlock()
		return
	}
	limit := q.limit
	if a.Type.Category()&CategoryError != 0 {
		limit += limit / 2
	}
	if len(q.queue) >= limit {
		q.dropped[a.Type]++
		q.mu.Unlock()
		return
	}
	if a.Time.IsZero() {
		a.Time = time.Now()
	}
	if a.Piece == 0 && a.Type != AlertPieceFinished && a.Type != AlertHashFailed && a.Type != AlertBlockTimeout {
		a.Piece = -1
	}
	wasEmpty := len(q.queue) == 0
	q.queue = append(q.queue, a)
	notify := q.notify
	q.cond.Broadcast()
	q.mu.Unlock()
	if wasEmpty && notify != nil {
		// The user's callback must not take the pushing goroutine (any of the engine's) down;
		// its panic is reported as an alert, which does not notify again (the queue is not empty).
		if p := guard.Run("alert notify", notify); p != nil {
			q.push(Alert{Type: AlertSessionError, Err: p, Message: panicMessage("session", p)})
		}
	}
}

func (q *alertQueue) pop() []Alert {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.queue
	q.queue = nil
	if len(q.dropped) > 0 {
		var total int64
		msg := "alert queue full; dropped"
		for t, n := range q.dropped {
			total += n
			msg += fmt.Sprintf(" %d %s", n, t)
		}
		q.dropped = map[AlertType]int64{}
		out = append([]Alert{{Type: AlertAlertsDropped, Time: time.Now(), Count: total, Message: msg, Piece: -1}}, out...)
	}
	return out
}

// wait blocks until an alert is queued, the timeout passes (negative = forever) or the queue closes.
func (q *alertQueue) wait(timeout time.Duration) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) > 0 || len(q.dropped) > 0 {
		return true
	}
	if timeout == 0 || q.closed {
		return false
	}
	var timer *time.Timer
	expired := false
	if timeout > 0 {
		timer = time.AfterFunc(timeout, func() {
			q.mu.Lock()
			expired = true
			q.cond.Broadcast()
			q.mu.Unlock()
		})
		defer timer.Stop()
	}
	for len(q.queue) == 0 && len(q.dropped) == 0 && !expired && !q.closed {
		q.cond.Wait()
	}
	return len(q.queue) > 0 || len(q.dropped) > 0
}

func (q *alertQueue) setNotify(fn func()) {
	q.mu.Lock()
	q.notify = fn
	pending := len(q.queue) > 0
	q.mu.Unlock()
	if pending && fn != nil {
		fn()
	}
}

func (q *alertQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
}
