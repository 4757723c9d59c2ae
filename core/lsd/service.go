package lsd

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/metainfo"
)

// Config says how a Service runs.
type Config struct {
	// Port is our BitTorrent listen port, sent in announces. 0 means listen only: nothing is
	// announced until SetPort gives a port.
	Port uint16
	// Interfaces names the interfaces to join the groups on and announce through. Empty means
	// every interface that is up, multicast-capable and not a loopback.
	Interfaces []string
	// Interval between two announces of one torrent; 0 means DefaultInterval, and anything
	// below MinInterval is raised to it.
	Interval time.Duration
	// TTL is the multicast TTL (IPv4) and hop limit (IPv6); 0 means 1, the local segment only.
	TTL int
	// OnPeer is called, on a Service goroutine, for each peer announcing a torrent that was
	// added with Add, and, when a torrent is added, for the peers heard announcing it within
	// the last Interval (so two clients starting at once find each other whichever announced
	// first). It must return quickly.
	OnPeer func(Peer)
	// OnPanic, if set, is told of a panic recovered on a Service goroutine (a bug); the
	// goroutine is started again after a pause. Without it the panic is written to stderr.
	OnPanic func(*guard.Panic)
}

// Peer is a discovered peer: the announce's source IP with its Port header.
type Peer struct {
	InfoHash metainfo.InfoHash
	Addr     netip.AddrPort
}

// Stats counts what a Service did.
type Stats struct {
	Sent     int64 // datagrams sent (one per interface and packet)
	Received int64 // well-formed announces from others
	Own      int64 // our own announces seen again (multicast loopback), ignored
	Dropped  int64 // malformed, oversized or over the rate limit
}

// Incoming limits: a token bucket over all datagrams, and a window in which the same peer
// announcing the same torrent is reported once. The window is short: it only folds copies that
// arrive together (several sockets or interfaces); a later repeat (libtorrent resends its first
// announce after 2 and 6 s) is reported again, so a peer whose first connection failed is
// retried, while the session skips peers it is already connected or connecting to.
const (
	recvRate      = 20 // datagrams per second, sustained
	recvBurst     = 100
	repeatWindow  = 2 * time.Second
	maxRepeatKeys = 4096
	maxHeard      = 1024 // announces kept for torrents not (yet) added
)

// Service announces info-hashes to the LSD groups and reports peers announcing to them.
type Service struct {
	cfg    Config
	cookie string
	socks  []*mcastSocket

	mu     sync.Mutex
	sched  *schedule
	port   uint16
	closed bool

	wake chan struct{}
	quit chan struct{}
	wg   sync.WaitGroup

	recvMu  sync.Mutex // the incoming limits and memory below
	tokens  float64
	refill  time.Time
	reports map[repeatKey]time.Time // reported through OnPeer, when
	heard   map[repeatKey]time.Time // announced for a torrent we do not have, when
	replay  map[metainfo.InfoHash]bool

	sent, received, own, dropped atomic.Int64
}

type repeatKey struct {
	addr netip.AddrPort
	ih   metainfo.InfoHash
}

// Start joins the groups on the configured interfaces (IPv4 where an interface has an IPv4
// address, IPv6 where it has an IPv6 one) and starts announcing and listening. It fails if no
// group could be joined on any interface.
func Start(cfg Config) (*Service, error) {
	ifaces, err := pickInterfaces(cfg.Interfaces)
	if err != nil {
		return nil, err
	}
	ttl := cfg.TTL
	if ttl <= 0 {
		ttl = 1
	}
	if ttl > 255 {
		return nil, fmt.Errorf("lsd: TTL %d is outside 1-255", ttl)
	}
	interval := cfg.Interval
	if interval == 0 {
		interval = DefaultInterval
	}
	var cookie [8]byte
	rand.Read(cookie[:])
	s := &Service{
		cfg:     cfg,
		cookie:  hex.EncodeToString(cookie[:]),
		sched:   newSchedule(interval),
		port:    cfg.Port,
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		tokens:  recvBurst,
		refill:  time.Now(),
		reports: map[repeatKey]time.Time{},
		heard:   map[repeatKey]time.Time{},
		replay:  map[metainfo.InfoHash]bool{},
	}
	var errs []error
	for _, group := range []netip.AddrPort{Group4, Group6} {
		var fam []net.Interface
		for _, ifi := range ifaces {
			if hasAddr(ifi, group.Addr().Is4()) {
				fam = append(fam, ifi)
			}
		}
		if len(fam) == 0 {
			continue
		}
		ms, err := listenGroup(group, fam, ttl)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.socks = append(s.socks, ms)
	}
	if len(s.socks) == 0 {
		if len(errs) == 0 {
			errs = append(errs, errors.New("no interface with an address to announce from"))
		}
		return nil, fmt.Errorf("lsd: cannot join a multicast group: %w", errors.Join(errs...))
	}
	for _, ms := range s.socks {
		s.supervise("lsd reader", func() { s.readLoop(ms) })
	}
	s.supervise("lsd announcer", s.announceLoop)
	return s, nil
}

// supervise runs loop on a goroutine counted in wg, again after a panic, until it returns or
// the service closes.
func (s *Service) supervise(where string, loop func()) {
	s.wg.Add(1)
	guard.Go(where, func() {
		defer s.wg.Done()
		guard.Supervise(where, s.quit, loop, s.cfg.OnPanic)
	}, s.cfg.OnPanic)
}

// Cookie is the value our announces carry in their cookie header.
func (s *Service) Cookie() string { return s.cookie }

// Groups lists the groups joined and, for each, the interfaces joined on.
func (s *Service) Groups() map[netip.AddrPort][]string {
	out := map[netip.AddrPort][]string{}
	for _, ms := range s.socks {
		for _, ifi := range ms.ifaces {
			out[ms.group] = append(out[ms.group], ifi.Name)
		}
	}
	return out
}

// Add announces ih from now on: at once, unless it was announced less than MinInterval ago,
// then every Interval. Announces for ih from others are reported through OnPeer.
func (s *Service) Add(ih metainfo.InfoHash) {
	s.mu.Lock()
	changed := !s.closed && s.sched.add(ih, time.Now())
	if changed {
		s.recvMu.Lock() // under mu: an announce handled concurrently is either remembered first or reported
		s.replay[ih] = true
		s.recvMu.Unlock()
	}
	s.mu.Unlock()
	if changed {
		s.poke()
	}
}

// Remove stops announcing ih and reporting peers for it.
func (s *Service) Remove(ih metainfo.InfoHash) {
	s.mu.Lock()
	s.sched.remove(ih)
	s.mu.Unlock()
}

// InfoHashes lists what is being announced.
func (s *Service) InfoHashes() []metainfo.InfoHash {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []metainfo.InfoHash
	for ih, e := range s.sched.entries {
		if e.active {
			out = append(out, ih)
		}
	}
	return out
}

// SetPort changes the announced listen port; every torrent is announced again with it as soon
// as MinInterval allows. 0 stops announcing.
func (s *Service) SetPort(port uint16) {
	s.mu.Lock()
	changed := port != s.port
	if changed {
		s.port = port
		s.sched.soon(time.Now())
	}
	s.mu.Unlock()
	if changed {
		s.poke()
	}
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Received: s.received.Load(), Own: s.own.Load(), Dropped: s.dropped.Load()}
}

// Close leaves the groups and stops the goroutines. It is idempotent.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.quit)
	for _, ms := range s.socks {
		ms.conn.Close()
	}
	s.wg.Wait()
	return nil
}

func (s *Service) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Service) announceLoop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		s.mu.Lock()
		var due []metainfo.InfoHash
		port := s.port
		if port != 0 {
			due = s.sched.due(now)
		}
		wake := s.sched.wake()
		s.mu.Unlock()
		if len(due) > 0 {
			s.send(port, due)
		}
		s.replayHeard(now)
		wait := time.Hour // without a port only Add or SetPort (through wake) can make work
		if port != 0 && !wake.IsZero() {
			wait = max(time.Until(wake), 10*time.Millisecond)
		}
		timer.Reset(wait)
		select {
		case <-s.quit:
			return
		case <-s.wake:
		case <-timer.C:
		}
	}
}

func (s *Service) send(port uint16, ihs []metainfo.InfoHash) {
	for _, ms := range s.socks {
		for _, pkt := range EncodeAnnounces(ms.group, port, s.cookie, ihs) {
			s.sent.Add(int64(ms.sendAll(pkt)))
		}
	}
}

func (s *Service) readLoop(ms *mcastSocket) {
	buf := make([]byte, MaxAnnounceSize+1)
	for {
		n, src, err := ms.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.quit:
				return
			case <-time.After(50 * time.Millisecond): // e.g. ENOBUFS: back off rather than spin
			}
			continue
		}
		s.handle(buf[:n], src)
	}
}

// handle processes one datagram; buf is only valid during the call.
func (s *Service) handle(buf []byte, src netip.AddrPort) {
	now := time.Now()
	if len(buf) > MaxAnnounceSize || !s.allow(now) {
		s.dropped.Add(1)
		return
	}
	a, err := ParseAnnounce(buf)
	if err != nil {
		s.dropped.Add(1)
		return
	}
	if a.Cookie != "" && a.Cookie == s.cookie {
		s.own.Add(1)
		return
	}
	s.received.Add(1)
	ip := src.Addr().Unmap()
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() {
		return
	}
	addr := netip.AddrPortFrom(ip, a.Port)
	var peers, others []Peer
	s.mu.Lock()
	for _, ih := range a.InfoHashes {
		if s.sched.has(ih) {
			peers = append(peers, Peer{InfoHash: ih, Addr: addr})
		} else {
			others = append(others, Peer{InfoHash: ih, Addr: addr})
		}
	}
	s.remember(others, now) // under mu, see Add
	s.mu.Unlock()
	for _, p := range peers {
		if s.firstReport(p, now) && s.cfg.OnPeer != nil {
			s.cfg.OnPeer(p)
		}
	}
}

// remember keeps announces for torrents we do not have, for replayHeard.
func (s *Service) remember(peers []Peer, now time.Time) {
	if len(peers) == 0 {
		return
	}
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	for _, p := range peers {
		if len(s.heard) >= maxHeard {
			for k, t := range s.heard {
				if now.Sub(t) >= s.sched.interval {
					delete(s.heard, k)
				}
			}
			if len(s.heard) >= maxHeard {
				return
			}
		}
		s.heard[repeatKey{p.Addr, p.InfoHash}] = now
	}
}

// replayHeard reports, for each torrent added since the last call, the peers heard announcing
// it within the last interval. It runs on the announce goroutine.
func (s *Service) replayHeard(now time.Time) {
	var peers []Peer
	s.recvMu.Lock()
	if len(s.replay) > 0 {
		for k, t := range s.heard {
			if s.replay[k.ih] {
				delete(s.heard, k)
				if now.Sub(t) < s.sched.interval {
					peers = append(peers, Peer{InfoHash: k.ih, Addr: k.addr})
				}
			}
		}
		clear(s.replay)
	}
	s.recvMu.Unlock()
	for _, p := range peers {
		if s.firstReport(p, now) && s.cfg.OnPeer != nil {
			s.cfg.OnPeer(p)
		}
	}
}

// allow takes a token from the incoming bucket.
func (s *Service) allow(now time.Time) bool {
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	s.tokens = min(recvBurst, s.tokens+now.Sub(s.refill).Seconds()*recvRate)
	s.refill = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

// firstReport says whether p was not reported within repeatWindow, and remembers it.
func (s *Service) firstReport(p Peer, now time.Time) bool {
	s.recvMu.Lock()
	defer s.recvMu.Unlock()
	k := repeatKey{p.Addr, p.InfoHash}
	if t, ok := s.reports[k]; ok && now.Sub(t) < repeatWindow {
		return false
	}
	if len(s.reports) >= maxRepeatKeys {
		for k, t := range s.reports {
			if now.Sub(t) >= repeatWindow {
				delete(s.reports, k)
			}
		}
		if len(s.reports) >= maxRepeatKeys {
			return true // report without remembering; the token bucket still bounds the rate
		}
	}
	s.reports[k] = now
	return true
}
