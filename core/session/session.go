package session

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/lsd"
	"github.com/libbt/libbt/core/metainfo"
	"github.com/libbt/libbt/core/mse"
	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/core/rate"
	"github.com/libbt/libbt/core/settings"
	"github.com/libbt/libbt/core/shrink"
	"github.com/libbt/libbt/core/tracker"
	"github.com/libbt/libbt/dht"
	"github.com/libbt/libbt/disk"
)

// Session runs any number of torrents: it owns the listen sockets, the disk service, the tracker
// client and the alert queue. All methods are safe for concurrent use.
type Session struct {
	settings *Settings                         // what was applied, by name (Settings returns a copy)
	resolved atomic.Pointer[settings.Resolved] // the same, resolved: what the engine reads (conf)
	applyMu  sync.Mutex                        // serialises ApplySettings' merge and publish
	alerts   *alertQueue
	peerID   [20]byte
	disk     *disk.IO
	files    *disk.FilePool // every torrent's open files: file_pool_size
	trackers *tracker.Client

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu           sync.Mutex
	torrents     map[metainfo.InfoHash]*Torrent
	peakTorrents int // the most entries torrents has held (see shrink.Delete)
	listeners    []net.Listener
	closed       bool

	numConns atomic.Int32 // connected and connecting peers across all torrents

	updates updateSet // torrents whose status changed since TorrentUpdates last ran (updates.go)

	// peerSendBytes is the payload held for peers across all torrents: their send buffers and
	// the disk reads in flight for them. Bounded by connections_limit times the per-peer bound
	// (see upload.go fillSendBuffer and peer.go send).
	peerSendBytes atomic.Int64

	downLimit, upLimit rate.Limiter // download_rate_limit, upload_rate_limit

	extensions []registeredExtension // guarded by mu

	lsd *lsd.Manager // local service discovery (lsd.go)
	enc mse.Memory   // protocol encryption memory: plaintext peers, req2 hashes (encryption.go)

	dht *dht.Server // nil unless enable_dht (dht.go); guarded by mu

	sched *scheduler // the one owner of time and of the queue (scheduler.go)

	// wrapBackend, when set (by tests, before adding torrents), wraps every torrent's disk
	// backend: the seam for fault injection.
	wrapBackend func(disk.Backend) disk.Backend
	hooks       testHooks // guard.go
}

// New starts a session with the given settings (nil for defaults) and opens its listen sockets.
// A listen address that cannot be bound produces a listen_failed alert, not an error, as in
// libtorrent; New fails only when no interface at all could be bound while some were asked for.
func New(pack *Settings) (*Session, error) { return newSession(pack, defaultTestHooks) }

func newSession(pack *Settings, hooks testHooks) (*Session, error) {
	s := &Session{
		hooks:    hooks,
		settings: pack.Clone(),
		torrents: map[metainfo.InfoHash]*Torrent{},
	}
	st := s.applySettingsPack(nil)
	s.lsd = s.newLSD()
	s.alerts = newAlertQueue(st.AlertQueueSize, Category(st.AlertMask))
	s.extensions = append(s.extensions, builtinExtensions...)
	s.peerID = makePeerID(st.PeerFingerprint)
	s.disk = disk.NewIO(disk.IOOptions{
		Workers:             st.AIOThreads,
		MaxQueuedWriteBytes: st.MaxQueuedDiskBytes,
		OnPanic:             s.sessionPanic,
		Cache: disk.CacheOptions{
			Size:         st.CacheSize * 16 << 10,
			MaxWriteSize: st.DiskMaxWriteSize,
			NoLock:       !st.LockDiskCache,
			OnLockFailed: func(err error) {
				s.alerts.push(Alert{Type: AlertPerformance, Err: err,
					Message: fmt.Sprintf("the disk cache could not be locked in memory (%v); it stays unlocked and may be paged out", err)})
			},
		},
	})
	s.files = disk.NewFilePool(st.FilePoolSize)
	s.trackers = &tracker.Client{UserAgent: st.UserAgent, UDPTimeout: st.TrackerUDPTimeout}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.sched = newScheduler(s)
	s.sched.start()
	s.applyLimits()
	if err := s.listen(); err != nil {
		s.Close()
		return nil, err
	}
	s.openUDP() // udp.go
	s.lsd.Apply(st.EnableLSD)
	if err := s.startDHT(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func makePeerID(fingerprint string) [20]byte {
	var id [20]byte
	rand.Read(id[:])
	copy(id[:], fingerprint)
	return id
}

func (s *Session) listen() error {
	if !s.conf().EnableIncomingTCP {
		return nil
	}
	addrs, err := parseListenInterfaces(s.conf().ListenInterfaces)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidArgument, err)
	}
	port := 0
	var firstErr error
	for _, ap := range addrs {
		// Port 0 on several interfaces: reuse the port the first one got, like libtorrent.
		if ap.Port() == 0 && port != 0 {
			ap = netip.AddrPortFrom(ap.Addr(), uint16(port))
		}
		network := "tcp4"
		if ap.Addr().Is6() {
			network = "tcp6"
		}
		ln, err := net.Listen(network, ap.String())
		if err != nil && ap.Port() != 0 && port != 0 {
			// The shared port is taken on this interface: take any free one.
			ln, err = net.Listen(network, netip.AddrPortFrom(ap.Addr(), 0).String())
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			s.alerts.push(Alert{Type: AlertListenFailed, Endpoint: ap.String(), Err: err, Message: fmt.Sprintf("listening on %s failed: %v", ap, err)})
			continue
		}
		if port == 0 {
			port = ln.Addr().(*net.TCPAddr).Port
		}
		s.mu.Lock()
		s.listeners = append(s.listeners, ln)
		s.mu.Unlock()
		s.alerts.push(Alert{Type: AlertListenSucceeded, Endpoint: ln.Addr().String(), Message: "listening on " + ln.Addr().String()})
		s.superviseSession("listener "+ln.Addr().String(), s.ctx.Done(), func() { s.acceptLoop(ln) })
	}
	if len(s.listeners) == 0 && len(addrs) > 0 {
		return fmt.Errorf("%w: cannot listen on %s: %v", ErrNetwork, s.conf().ListenInterfaces, firstErr)
	}
	return nil
}

// ListenPort returns the TCP port of the first listen socket, or 0 if the session does not listen.
func (s *Session) ListenPort() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.listeners) == 0 {
		return 0
	}
	return s.listeners[0].Addr().(*net.TCPAddr).Port
}

func (s *Session) acceptLoop(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(50 * time.Millisecond) // e.g. EMFILE: back off rather than spin
			continue
		}
		if int(s.numConns.Load()) >= s.conf().ConnectionsLimit {
			c.Close()
			continue
		}
		if s.hooks.accept != nil {
			s.hooks.accept(c)
		}
		s.wg.Add(1)
		guard.Go("incoming connection", func() {
			defer s.wg.Done()
			s.handleIncoming(c)
		}, func(p *guard.Panic) { c.Close(); s.sessionPanic(p) })
	}
}

// handleIncoming reads the handshake, finds the torrent and hands the connection to it.
func (s *Session) handleIncoming(c net.Conn) {
	// Closing the session must not wait for a silent peer's handshake timeout.
	defer context.AfterFunc(s.ctx, func() { c.Close() })()
	c.SetDeadline(time.Now().Add(s.conf().HandshakeTimeout))
	pc, skey, err := s.negotiateIncoming(c) // plaintext or MSE, as in_enc_policy says (encryption.go)
	if err != nil {
		c.Close()
		return
	}
	reserved, ih, err := peerwire.ReadHandshakeHeader(pc)
	if err != nil || skey != nil && *skey != metainfo.InfoHash(ih) {
		c.Close()
		return
	}
	t := s.FindTorrent(metainfo.InfoHash(ih))
	if t == nil || !t.acceptsPeers() {
		c.Close()
		return
	}
	if err := peerwire.WriteHandshake(pc, s.handshake(ih)); err != nil {
		c.Close()
		return
	}
	id, err := peerwire.ReadPeerID(pc)
	if err != nil || id == s.peerID {
		c.Close()
		return
	}
	c.SetDeadline(time.Time{})
	pc = mse.Unwrap(pc) // a plain connection is a *net.TCPConn again
	t.post(func() {
		t.addPeer(pc, peerwire.Handshake{Reserved: reserved, InfoHash: ih, PeerID: id}, true, sourceIncoming)
	})
}

func (s *Session) handshake(ih [20]byte) peerwire.Handshake {
	h := peerwire.Handshake{InfoHash: ih, PeerID: s.peerID}
	h.SetExtended()
	h.SetFast()
	if s.DHT() != nil {
		h.SetDHT()
	}
	return h
}

// dialConn opens an outgoing connection and does the handshake, inside MSE when encrypt
// (dial in encryption.go chooses); it runs on its own goroutine.
func (s *Session) dialConn(ctx context.Context, addr netip.AddrPort, ih [20]byte, encrypt bool) (net.Conn, peerwire.Handshake, error) {
	d := net.Dialer{Timeout: s.conf().PeerConnectTimeout}
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, peerwire.Handshake{}, err
	}
	raw := c // c becomes the MSE stream below; the closer must not read the variable
	defer context.AfterFunc(ctx, func() { raw.Close() })()
	c.SetDeadline(time.Now().Add(s.conf().HandshakeTimeout))
	if encrypt { // our handshake travels inside the MSE handshake
		ec, err := s.initiateEncrypted(ctx, c, ih)
		if err != nil {
			c.Close()
			return nil, peerwire.Handshake{}, err
		}
		c = ec
	} else if err := peerwire.WriteHandshake(c, s.handshake(ih)); err != nil {
		c.Close()
		return nil, peerwire.Handshake{}, err
	}
	h, err := peerwire.ReadHandshake(c)
	if err != nil {
		c.Close()
		return nil, h, err
	}
	if h.InfoHash != ih {
		c.Close()
		return nil, h, errors.New("peer answered with another info-hash")
	}
	if h.PeerID == s.peerID {
		c.Close()
		return nil, h, errors.New("connected to ourselves")
	}
	c.SetDeadline(time.Time{})
	return c, h, nil
}

// Close stops every torrent (announcing "stopped" to trackers, bounded in time), closes the
// listen sockets and the disk service. It is idempotent.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	torrents := make([]*Torrent, 0, len(s.torrents))
	for _, t := range s.torrents {
		torrents = append(torrents, t)
	}
	s.torrents = map[metainfo.InfoHash]*Torrent{}
	lns := s.listeners
	s.mu.Unlock()
	for _, ln := range lns {
		ln.Close()
	}
	s.lsd.Close()
	s.stopDHT()
	var wg sync.WaitGroup
	for _, t := range torrents {
		wg.Add(1)
		guard.Go("torrent shutdown", func() {
			defer wg.Done()
			t.shutdown(false)
		}, s.sessionPanic)
	}
	wg.Wait()
	s.cancel()
	s.wg.Wait()
	s.closeUDP() // udp.go: after the torrents' stopped announces
	s.disk.Close()
	s.alerts.close()
	return nil
}

func (s *Session) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Settings returns a copy of the current settings.
func (s *Session) Settings() *Settings { return s.settings.Clone() }

// ApplySettings changes settings of a running session; a new listen_interfaces closes the old
// listen sockets and opens the new ones (connected peers stay).
func (s *Session) ApplySettings(p *Settings) error {
	if s.isClosed() {
		return ErrClosed
	}
	if p == nil {
		return fmt.Errorf("%w: nil settings", ErrInvalidArgument)
	}
	old := s.conf()
	st := s.applySettingsPack(p)
	if st.ListenInterfaces != old.ListenInterfaces || st.EnableIncomingTCP != old.EnableIncomingTCP {
		s.mu.Lock()
		old := s.listeners
		s.listeners = nil
		s.mu.Unlock()
		for _, ln := range old {
			ln.Close()
		}
		if err := s.listen(); err != nil {
			return err
		}
	}
	s.alerts.configure(st.AlertQueueSize, Category(st.AlertMask))
	s.applyLimits()
	s.sched.settingsChanged()
	s.lsd.Apply(st.EnableLSD)
	if st.EnableDHT {
		return s.startDHT()
	}
	s.stopDHT()
	return nil
}

func (s *Session) applyLimits() {
	st := s.conf()
	s.files.SetLimit(st.FilePoolSize)
	s.downLimit.SetLimit(st.DownloadRateLimit)
	s.upLimit.SetLimit(st.UploadRateLimit)
}

// PopAlerts takes every queued alert.
func (s *Session) PopAlerts() []Alert { return s.alerts.pop() }

// WaitForAlert waits until an alert is queued (true) or the timeout passes (false). A negative
// timeout waits forever; a closed session returns false at once.
func (s *Session) WaitForAlert(timeout time.Duration) bool { return s.alerts.wait(timeout) }

// SetAlertNotify sets a function called (on a session goroutine) whenever the alert queue goes
// from empty to non-empty. It must return quickly.
func (s *Session) SetAlertNotify(fn func()) { s.alerts.setNotify(fn) }

// Torrents returns the session's torrents.
func (s *Session) Torrents() []*Torrent {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Torrent, 0, len(s.torrents))
	for _, t := range s.torrents {
		out = append(out, t)
	}
	return out
}

// FindTorrent returns the torrent with that info-hash, or nil.
func (s *Session) FindTorrent(ih metainfo.InfoHash) *Torrent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.torrents[ih]
}

// RemoveTorrent stops a torrent and removes it, deleting its files when asked.
func (s *Session) RemoveTorrent(t *Torrent, deleteFiles bool) error {
	if t == nil {
		return fmt.Errorf("%w: nil torrent", ErrInvalidArgument)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if s.torrents[t.infoHash] != t {
		s.mu.Unlock()
		return ErrTorrentRemoved
	}
	s.torrents = shrink.Delete(s.torrents, &s.peakTorrents, t.infoHash)
	s.mu.Unlock()
	s.sched.removed(t)
	t.shutdown(deleteFiles)
	s.updates.forget(t)
	s.alerts.push(Alert{Type: AlertTorrentRemoved, InfoHash: t.infoHash, Message: t.Name() + " removed"})
	return nil
}
