package session

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/bitfield"
	"github.com/libbt/libbt/core/choker"
	"github.com/libbt/libbt/core/inbox"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/picker"
	"github.com/libbt/libbt/core/progress"
	"github.com/libbt/libbt/core/rate"
	"github.com/libbt/libbt/core/sched"
	"github.com/libbt/libbt/core/smartban"
	"github.com/libbt/libbt/disk"
)

// State is a torrent's state; the numbers are part of the C ABI (bt_torrent_state).
type State int

const (
	StateCheckingFiles State = iota + 1
	StateDownloadingMetadata
	StateDownloading
	StateFinished
	StateSeeding
	StateError
)

var stateNames = [...]string{"", "checking_files", "downloading_metadata", "downloading", "finished", "seeding", "error"}

func (s State) String() string {
	if s > 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Status is a snapshot of a torrent.
type Status struct {
	State               State
	Paused, HasMetadata bool
	SuperSeeding        bool
	Err                 error
	Progress            float64
	TotalSize           int64
	TotalWanted         int64
	TotalWantedDone     int64
	TotalDone           int64
	TotalDownload       int64
	TotalUpload         int64
	DownloadRate        int64
	UploadRate          int64
	NumPeers, NumSeeds  int
	NumPieces           int
	PiecesDone          int
	PieceLength         int64
	InfoHash            metainfo.InfoHash
	Name                string
	AutoManaged         bool
	QueuePosition       int // the download queue place, -1 when not in it (finished, seeding)
}

// FileInfo describes one file of a torrent.
type FileInfo struct {
	Path     string // relative, '/'-separated, including the torrent's directory name
	Size     int64
	Priority int
}

// AddTorrentParams says what to add and where.
type AddTorrentParams struct {
	// Exactly one of MetaInfo, Magnet, TorrentFile and TorrentData. TorrentFile (a path) and
	// TorrentData (.torrent bytes, read during AddTorrent only and not kept) are loaded under
	// the session's load limits (max_buffer_size, max_decode_tokens, ...: see load.go).
	MetaInfo    *metainfo.MetaInfo
	Magnet      *metainfo.Magnet
	TorrentFile string
	TorrentData []byte
	SavePath    string
	Paused      bool
	// AutoManaged puts the torrent under the queue (active_downloads, active_seeds, ...): added
	// with Paused as well, it waits its turn, as libtorrent's default add_torrent_params do.
	// Unlike libtorrent, it is off unless asked for.
	AutoManaged    bool
	Sequential     bool
	SuperSeeding   bool  // BEP 16, once the torrent is a seed
	FilePriorities []int // 0..7 per file; nil = all 4
	ResumeData     []byte
}

// Torrent is one torrent in a session. Its state is owned by one goroutine (run); public methods
// post closures to it and wait for them.
type Torrent struct {
	s        *Session
	infoHash metainfo.InfoHash
	savePath string

	mailbox *inbox.Inbox // closures run on the torrent goroutine (inbox.go, loop.go)
	ctx     context.Context
	cancel  context.CancelFunc
	done    chan struct{} // closed when run returns

	// Owned by the torrent goroutine.
	meta           *metainfo.MetaInfo
	magnet         *metainfo.Magnet
	name           string
	storage        *disk.Storage
	picker         *picker.Picker
	have           bitfield.Bitfield
	filePrio       []int
	sequential     bool
	superSeed      bool // BEP 16 asked for
	state          State
	paused         bool
	err            error
	peers          map[*peerConn]struct{}
	candidates     map[netip.AddrPort]peerSource
	connecting     map[netip.AddrPort]bool
	banned         map[netip.Addr]bool      // by IP address, any port (smartban.go)
	smart          *smartban.Tracker        // who sent which block, failed pieces' digests, suspects
	parole         map[smartban.Source]bool // suspects holding a parole slot (smartban.go)
	paroleStalls   map[smartban.Source]int  // parole turns each suspect wasted
	retries        map[netip.AddrPort]int   // reconnection attempts per user-given peer (protocol.go)
	choker         *choker.Choker
	lastRechoke    time.Time
	wire           wireSettings // peer-wire settings, re-read every tick (wire.go)
	nextPeerKey    picker.PeerKey
	hashing        map[int]bool    // pieces being hashed
	resume         []byte          // resume data for the first check (resume.go)
	addedAt        int64           // unix seconds: when first added (kept across restarts by resume data)
	bytes          progress.Totals // byte totals behind Status
	emptyFilesDone bool            // the zero-length files exist (set once complete)
	creatingFiles  bool
	parked         []parkedPeer // connections waiting for a check to end
	dhtBusy        bool         // a DHT announce is running
	dhtNext        time.Time
	dhtInterval    time.Duration
	dhtEmpty       int  // lookups in a row that found nobody
	dhtWaiting     bool // a retry is scheduled while the DHT bootstraps
	checking       context.CancelFunc
	checked        atomic.Pointer[atomic.Int64] // pieces the current check has done (a fresh counter per check)
	down, up       rate.Meter
	metadata       *metadataFetch
	trackerWake    chan trackerEvent
	trackerStop    context.CancelFunc
	trackerDone    chan struct{}
	webSeeds       []*webSeed // BEP 19/17 web seeds (webseed.go)

	checkPending bool // a queued auto-managed torrent checks its files when the queue starts it

	// The session scheduler's (scheduler.go).
	schedID     sched.ID
	tickQueued  atomic.Bool  // a tick is waiting in the inbox
	queuePos    atomic.Int64 // the download queue place, -1 when not in it
	autoManaged atomic.Bool

	// Read from other goroutines.
	snapshot    atomic.Pointer[Status]
	mu          sync.Mutex     // serialises shutdown
	diskPending sync.WaitGroup // disk operations in flight, waited for before closing storage
	stopped     atomic.Bool
}

// maxCandidates bounds the addresses a torrent keeps to connect to.
const maxCandidates = 2000

type peerSource int

const (
	sourceTracker peerSource = iota + 1
	sourceUser
	sourceIncoming
	sourcePEX
	sourceLSD
	sourceDHT
	sourceWebSeed
)

// AddTorrent adds a torrent from metadata, a .torrent file or its bytes, or a magnet link, and
// starts it (unless Paused). A torrent that loading had to change (paths sanitised or renamed,
// ...) raises AlertTorrentSanitized saying what changed. A refused add returns the error
// (ErrInvalidTorrent for one that does not load, wrapping a *limits.Error for a limit) and
// raises AlertAddTorrentFailed with it.
func (s *Session) AddTorrent(p AddTorrentParams) (*Torrent, error) {
	t, err := s.addTorrent(&p)
	if err != nil {
		s.addFailed(&p, err)
		return nil, err
	}
	return t, nil
}

func (s *Session) addTorrent(p *AddTorrentParams) (*Torrent, error) {
	if err := s.loadSource(p); err != nil {
		return nil, err
	}
	if p.SavePath == "" {
		return nil, fmt.Errorf("%w: save path is empty", ErrInvalidArgument)
	}
	for i, prio := range p.FilePriorities {
		if prio < 0 || prio > 7 {
			return nil, fmt.Errorf("%w: file %d priority %d is outside 0-7", ErrInvalidArgument, i, prio)
		}
	}
	t := &Torrent{
		s:           s,
		savePath:    p.SavePath,
		done:        make(chan struct{}),
		candidates:  map[netip.AddrPort]peerSource{}, // peers, connecting, ...: made on first use (shrink.Set)
		smart:       smartban.New(smartban.Options{}),
		addedAt:     time.Now().Unix(),
		paused:      p.Paused,
		sequential:  p.Sequential,
		superSeed:   p.SuperSeeding,
		filePrio:    p.FilePriorities,
		trackerWake: make(chan trackerEvent, 4),
		wire:        s.wireSettings(),
	}
	t.choker = &choker.Choker{Slots: s.conf().UnchokeSlotsLimit}
	if p.MetaInfo != nil {
		t.infoHash = p.MetaInfo.InfoHash
		t.name = p.MetaInfo.Info.Name
		if p.FilePriorities != nil && len(p.FilePriorities) != len(p.MetaInfo.Info.Files) {
			return nil, fmt.Errorf("%w: %d file priorities for %d files", ErrInvalidArgument, len(p.FilePriorities), len(p.MetaInfo.Info.Files))
		}
	} else {
		t.infoHash = p.Magnet.InfoHash
		t.name = p.Magnet.Name
		t.magnet = p.Magnet
		for _, peer := range p.Magnet.Peers {
			if ap, err := netip.ParseAddrPort(peer); err == nil {
				t.candidates[ap] = sourceUser
			}
		}
	}
	if t.name == "" {
		t.name = t.infoHash.String()
	}
	// Not derived from s.ctx: a parent context keeps a map of its children, and Go maps never
	// shrink, so every torrent ever added would leave memory behind. Close shuts every torrent
	// down (cancelling this) before it cancels s.ctx.
	t.ctx, t.cancel = context.WithCancel(context.Background())
	t.mailbox = inbox.NewOnDemand(t.spawn)
	t.mailbox.Post(func() { t.start(p.MetaInfo) }) // first in line: waits for spawn below
	t.schedID = sched.ID(nextSchedID.Add(1))
	t.queuePos.Store(-1)
	t.autoManaged.Store(p.AutoManaged)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if _, dup := s.torrents[t.infoHash]; dup {
		s.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrDuplicateTorrent, t.infoHash)
	}
	s.torrents[t.infoHash] = t
	s.mu.Unlock()

	t.publish()
	s.alerts.push(Alert{Type: AlertTorrentAdded, Torrent: t, InfoHash: t.infoHash, Message: t.name + " added"})
	if p.MetaInfo != nil {
		t.reportSanitized(p.MetaInfo.Sanitized)
	}
	t.useResumeData(p.ResumeData)
	initial := StateDownloadingMetadata
	if p.MetaInfo != nil {
		initial = StateCheckingFiles
	}
	s.sched.added(t, initial, t.paused, p.AutoManaged) // before start: its notifications follow
	t.spawn()
	return t, nil
}

// Removed reports whether the torrent was removed from its session (or the session closed):
// true from the moment RemoveTorrent starts shutting it down; it never becomes false again.
func (t *Torrent) Removed() bool { return t.stopped.Load() }

// InfoHash returns the torrent's v1 info-hash.
func (t *Torrent) InfoHash() metainfo.InfoHash { return t.infoHash }

// Name returns the torrent's name.
func (t *Torrent) Name() string { return t.snapshot.Load().Name }

// Status returns the latest snapshot, refreshed by the torrent goroutine after every change of
// state and at least once a second.
func (t *Torrent) Status() Status {
	if !t.stopped.Load() {
		// Ask for a fresh snapshot, but never wait behind a busy torrent for long.
		t.doWithin(200*time.Millisecond, t.publish)
	}
	st := *t.snapshot.Load()
	st.AutoManaged, st.QueuePosition = t.AutoManaged(), t.QueuePosition()
	return st
}

// Pieces returns the verified pieces as a wire-order bitfield, or nil without metadata.
func (t *Torrent) Pieces() []byte {
	var out []byte
	t.do(func() error {
		if t.meta != nil {
			out = append([]byte(nil), t.have.Bytes()...)
		}
		return nil
	})
	return out
}

// Magnet returns a magnet link for the torrent.
func (t *Torrent) Magnet() string {
	var out string
	t.do(func() error {
		if t.meta != nil {
			out = t.meta.Magnet().String()
		} else {
			out = t.magnet.String()
		}
		return nil
	})
	return out
}

// Files lists the torrent's files, or nil without metadata.
func (t *Torrent) Files() []FileInfo {
	var out []FileInfo
	t.do(func() error {
		if t.meta == nil {
			return nil
		}
		for i, f := range t.meta.Info.Files {
			path := f.DisplayPath()
			if t.meta.Info.MultiFile {
				path = t.meta.Info.Name + "/" + path
			}
			out = append(out, FileInfo{Path: path, Size: f.Length, Priority: t.filePriority(i)})
		}
		return nil
	})
	return out
}

// Pause disconnects all peers and stops announcing until Resume.
func (t *Torrent) Pause() error { return t.do(func() error { t.setPaused(true); return nil }) }

// Resume undoes Pause.
func (t *Torrent) Resume() error { return t.do(func() error { t.setPaused(false); return nil }) }

// ForceRecheck verifies every piece on disk again.
func (t *Torrent) ForceRecheck() error {
	return t.do(func() error {
		if t.meta == nil {
			return ErrNoMetadata
		}
		t.err = nil // a recheck rebuilds the state an error left (libtorrent clears it too)
		t.startChecking()
		return nil
	})
}

// ConnectPeer connects to a peer at addr.
func (t *Torrent) ConnectPeer(addr netip.AddrPort) error {
	if !addr.IsValid() || addr.Port() == 0 {
		return fmt.Errorf("%w: peer address %q", ErrInvalidArgument, addr)
	}
	return t.do(func() error {
		if t.isBanned(addr) {
			return fmt.Errorf("%w: peer %s is banned (it sent data that failed the hash check)", ErrInvalidArgument, addr.Addr())
		}
		t.candidates[addr] = sourceUser
		t.connectPeers()
		return nil
	})
}

// SetFilePriority sets one file's priority, 0 (skip) to 7.
func (t *Torrent) SetFilePriority(f metainfo.FileIndex, prio int) error {
	if prio < 0 || prio > 7 {
		return fmt.Errorf("%w: priority %d is outside 0-7", ErrInvalidArgument, prio)
	}
	return t.do(func() error {
		if t.meta == nil {
			return ErrNoMetadata
		}
		if int(f) < 0 || int(f) >= len(t.meta.Info.Files) {
			return fmt.Errorf("%w: file index %d out of range (%d files)", ErrInvalidArgument, f, len(t.meta.Info.Files))
		}
		if t.filePrio == nil {
			t.filePrio = make([]int, len(t.meta.Info.Files))
			for i := range t.filePrio {
				t.filePrio[i] = 4
			}
		}
		t.filePrio[f] = prio
		t.applyPriorities()
		return nil
	})
}

// SetSequential switches sequential download on or off.
func (t *Torrent) SetSequential(on bool) error {
	return t.do(func() error {
		t.sequential = on
		if t.picker != nil {
			t.picker.SetSequential(on)
		}
		return nil
	})
}

func (t *Torrent) filePriority(i int) int {
	if t.filePrio == nil {
		return 4
	}
	return t.filePrio[i]
}

func (t *Torrent) acceptsPeers() bool {
	if t.stopped.Load() {
		return false
	}
	st := t.snapshot.Load()
	return st != nil && !st.Paused && st.State != StateError
}

// MoveStorage moves the torrent's files to a new save directory (cached data is written
// first); on failure nothing moves.
func (t *Torrent) MoveStorage(dir string) error {
	if dir == "" {
		return fmt.Errorf("%w: empty directory", ErrInvalidArgument)
	}
	var st *disk.Storage
	if err := t.do(func() error {
		if t.storage == nil {
			t.savePath = dir // nothing on disk yet
			return nil
		}
		st = t.storage
		return nil
	}); err != nil || st == nil {
		return err
	}
	errc := make(chan error, 1)
	t.s.disk.MoveStorage(st, dir, func(err error) { errc <- err })
	if err := <-errc; err != nil {
		return err
	}
	return t.do(func() error { t.savePath = dir; return nil })
}

// RenameFile gives file i a new path relative to the save directory ('/'-separated).
func (t *Torrent) RenameFile(i metainfo.FileIndex, path string) error {
	parts := strings.Split(path, "/")
	for _, c := range parts {
		if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "\\\x00") {
			return fmt.Errorf("%w: path %q must stay inside the save directory", ErrInvalidArgument, path)
		}
	}
	var st *disk.Storage
	if err := t.do(func() error {
		if t.meta == nil {
			return ErrNoMetadata
		}
		if int(i) < 0 || int(i) >= len(t.meta.Info.Files) {
			return fmt.Errorf("%w: file index %d out of range", ErrInvalidArgument, i)
		}
		st = t.storage
		return nil
	}); err != nil {
		return err
	}
	errc := make(chan error, 1)
	t.s.disk.RenameFile(st, disk.FileIndex(i), parts, func(err error) { errc <- err })
	return <-errc
}
