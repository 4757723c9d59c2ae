package session

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libbt/libbt/core/guard"
	"github.com/libbt/libbt/core/lsd"
	"github.com/libbt/libbt/core/metainfo"
)

// Local Service Discovery (BEP 14), on only when enable_lsd is true. A session goroutine keeps
// the service's info-hash set equal to the session's active public torrents (private ones never
// announce: BEP 27) and its port equal to the listen port; a peer the service reports becomes a
// candidate of its torrent with source LSD. LSD runs on the interfaces that hold a listen
// address (all multicast-capable ones when listening on 0.0.0.0 or [::]), so a port reachable only
// on loopback is announced only on loopback.

const lsdSyncInterval = time.Second

// lsdRescanInterval is how often the interfaces are looked at again while LSD is on: when they
// changed (a network came up, an address moved), the service is restarted on the new ones.
var lsdRescanInterval = 5 * time.Second

// lsdState is the session's LSD service, if running.
type lsdState struct {
	mu      sync.Mutex
	closed  bool // the session closed: never start again
	svc     *lsd.Service
	ifaces  []string // what svc was started on (nil: all)
	started string   // lsd.InterfacesState when last started or tried
	stop    chan struct{}
	done    chan struct{}
	unwatch chan struct{} // closed by closeLSD: lsdWatch returns
}

// applyLSD starts or stops the service to match enable_lsd, and restarts it when the listen
// addresses moved to other interfaces; New and ApplySettings call it.
func (s *Session) applyLSD(on bool) {
	s.lsd.mu.Lock()
	defer s.lsd.mu.Unlock()
	s.applyLSDLocked(on, false)
}

// applyLSDLocked does applyLSD with s.lsd.mu held; restart restarts a running service even on
// the same interface names (their addresses changed).
func (s *Session) applyLSDLocked(on, restart bool) {
	if s.lsd.unwatch == nil && !s.lsd.closed {
		unwatch := make(chan struct{})
		s.lsd.unwatch = unwatch
		s.superviseSession("lsd watch", unwatch, func() { s.lsdWatch(unwatch) })
	}
	on = on && !s.lsd.closed
	var ifaces []string
	if on {
		var err error
		ifaces, err = lsdInterfaces(s.conf().ListenInterfaces)
		s.lsd.started = lsdInterfacesState(ifaces, err)
		if err != nil {
			s.lsdFailed(err)
			on = false
		}
	}
	if s.lsd.svc != nil && (!on || restart || !slices.Equal(ifaces, s.lsd.ifaces)) {
		s.setLSD(false, nil)
	}
	s.setLSD(on, ifaces)
}

func lsdInterfacesState(ifaces []string, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return lsd.InterfacesState(ifaces)
}

// lsdWatch restarts LSD when the interfaces it would use change, so a session started before
// the network came up, or whose addresses moved, finds local peers without a restart.
func (s *Session) lsdWatch(unwatch chan struct{}) {
	tick := time.NewTicker(lsdRescanInterval)
	defer tick.Stop()
	for {
		select {
		case <-unwatch:
			return
		case <-tick.C:
		}
		if !s.conf().EnableLSD {
			continue
		}
		ifaces, err := lsdInterfaces(s.conf().ListenInterfaces)
		now := lsdInterfacesState(ifaces, err)
		s.lsd.mu.Lock()
		if !s.lsd.closed && now != s.lsd.started && s.conf().EnableLSD {
			s.applyLSDLocked(true, true)
		}
		s.lsd.mu.Unlock()
	}
}

func (s *Session) lsdFailed(err error) {
	s.alerts.push(Alert{Type: AlertListenFailed, Endpoint: lsd.Group4.String(), Err: err,
		Message: fmt.Sprintf("local service discovery: %v", err)})
}

// lsdInterfaces names the interfaces holding the listen addresses, or nil (every
// multicast-capable interface) when listening on an unspecified address or not at all.
func lsdInterfaces(listen string) ([]string, error) {
	aps, err := parseListenInterfaces(listen)
	if err != nil {
		return nil, err
	}
	want := map[netip.Addr]bool{}
	for _, ap := range aps {
		if ap.Addr().IsUnspecified() {
			return nil, nil
		}
		want[ap.Addr().Unmap().WithZone("")] = true
	}
	if len(want) == 0 {
		return nil, nil
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, ifi := range all {
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok && want[ip.Unmap()] {
					names = append(names, ifi.Name)
					break
				}
			}
		}
	}
	if len(names) == 0 {
		return nil, errors.New("no interface holds a listen address " + strings.TrimSpace(listen))
	}
	return names, nil
}

// closeLSD stops the service for good; Close calls it.
func (s *Session) closeLSD() {
	s.lsd.mu.Lock()
	defer s.lsd.mu.Unlock()
	s.lsd.closed = true
	if s.lsd.unwatch != nil {
		close(s.lsd.unwatch)
	}
	s.setLSD(false, nil)
}

func (s *Session) setLSD(on bool, ifaces []string) {
	if on == (s.lsd.svc != nil) {
		return
	}
	if !on {
		close(s.lsd.stop)
		<-s.lsd.done
		s.lsd.svc.Close()
		s.lsd.svc, s.lsd.ifaces, s.lsd.stop, s.lsd.done = nil, nil, nil, nil
		return
	}
	svc, err := lsd.Start(lsd.Config{Port: uint16(s.ListenPort()), Interfaces: ifaces, OnPeer: s.lsdPeer, OnPanic: s.sessionPanic})
	if err != nil {
		s.lsdFailed(err)
		return
	}
	stop, done := make(chan struct{}), make(chan struct{})
	s.lsd.svc, s.lsd.ifaces, s.lsd.stop, s.lsd.done = svc, ifaces, stop, done
	s.goSession("lsd sync", func() {
		defer close(done)
		guard.Supervise("lsd sync", stop, func() { s.lsdSync(svc, stop) }, s.sessionPanic)
	})
}

// lsdSync keeps the service's torrents and port up to date until stop is closed.
func (s *Session) lsdSync(svc *lsd.Service, stop chan struct{}) {
	tick := time.NewTicker(lsdSyncInterval)
	defer tick.Stop()
	for {
		svc.SetPort(uint16(s.ListenPort()))
		current := map[metainfo.InfoHash]bool{}
		for _, t := range s.Torrents() {
			current[t.infoHash] = true
			t.tryPost(func() {
				if t.lsdEligible() {
					svc.Add(t.infoHash)
				} else {
					svc.Remove(t.infoHash)
				}
			})
		}
		for _, ih := range svc.InfoHashes() {
			if !current[ih] {
				svc.Remove(ih)
			}
		}
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// lsdEligible says whether the torrent announces itself on LSD: running, past checking, and not
// private. It runs on the torrent goroutine.
func (t *Torrent) lsdEligible() bool {
	return !t.paused && !t.stopped.Load() && t.state != StateError && t.state != StateCheckingFiles && !t.private()
}

// lsdPeer runs on an LSD goroutine: it hands the peer to its torrent without waiting.
func (s *Session) lsdPeer(p lsd.Peer) {
	t := s.FindTorrent(p.InfoHash)
	if t == nil || !p.Addr.IsValid() || p.Addr.Port() == 0 {
		return
	}
	t.tryPost(func() {
		if !t.lsdEligible() || t.isBanned(p.Addr) || t.connecting[p.Addr] || len(t.candidates) >= maxCandidates {
			return
		}
		for q := range t.peers {
			if a, ok := q.pexAddr(); ok && a == p.Addr {
				return // already connected: a second connection would replace the first
			}
		}
		if _, known := t.candidates[p.Addr]; !known {
			t.candidates[p.Addr] = sourceLSD
		}
		t.connectPeers()
	})
}

// lsdRunning reports whether the LSD service runs (for tests).
func (s *Session) lsdRunning() bool {
	s.lsd.mu.Lock()
	defer s.lsd.mu.Unlock()
	return s.lsd.svc != nil
}
