package trackertest

import (
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/libbt/libbt/core/tracker"
)

// Announce is one announce a test tracker received.
type Announce struct {
	InfoHash   [20]byte
	PeerID     [20]byte
	Addr       netip.AddrPort // source IP with the announced port
	Event      tracker.Event
	Uploaded   int64
	Downloaded int64
	Left       int64
	NumWant    int
	Key        uint32
	// URLData is the BEP 41 path and query a UDP announce carried ("" over
	// HTTP, where the request URL itself is used).
	URLData string
}

type peer struct {
	id   [20]byte
	addr netip.AddrPort
	left int64
}

// swarms is the state shared by both servers.
type swarms struct {
	mu          sync.Mutex
	byHash      map[[20]byte][]peer
	log         []Announce
	failure     string
	interval    time.Duration
	minInterval time.Duration
	notify      chan struct{} // closed and replaced on every announce
}

func newSwarms() *swarms {
	return &swarms{
		byHash:   make(map[[20]byte][]peer),
		interval: 30 * time.Minute,
		notify:   make(chan struct{}),
	}
}

// announce records a and updates the swarm; it returns the peers to hand
// back (everyone but the announcer, at most numWant, 50 by default), the
// seeder and leecher counts, and the failure reason if one is set.
func (s *swarms) announce(a Announce) (peers []netip.AddrPort, seeders, leechers int, failure string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, a)
	close(s.notify)
	s.notify = make(chan struct{})
	if s.failure != "" {
		return nil, 0, 0, s.failure
	}
	list := slices.DeleteFunc(s.byHash[a.InfoHash], func(p peer) bool {
		return p.id == a.PeerID || p.addr == a.Addr
	})
	if a.Event != tracker.Stopped {
		list = append(list, peer{id: a.PeerID, addr: a.Addr, left: a.Left})
	}
	s.byHash[a.InfoHash] = list
	want := a.NumWant
	if want < 0 {
		want = 50
	}
	for _, p := range list {
		if p.left == 0 {
			seeders++
		} else {
			leechers++
		}
		if p.id != a.PeerID && len(peers) < want && a.Event != tracker.Stopped {
			peers = append(peers, p.addr)
		}
	}
	return peers, seeders, leechers, ""
}

func (s *swarms) intervals() (interval, minInterval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interval, s.minInterval
}

// Announces returns a copy of every announce received so far, in order.
func (s *swarms) Announces() []Announce {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.log)
}

// WaitAnnounces blocks until at least n announces have been received or
// timeout passes, and returns the announces seen so far.
func (s *swarms) WaitAnnounces(n int, timeout time.Duration) []Announce {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.log) >= n {
			out := slices.Clone(s.log)
			s.mu.Unlock()
			return out
		}
		ch := s.notify
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			return s.Announces()
		}
	}
}

// Peers returns the peers currently in the swarm for infoHash.
func (s *swarms) Peers(infoHash [20]byte) []netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []netip.AddrPort
	for _, p := range s.byHash[infoHash] {
		out = append(out, p.addr)
	}
	return out
}

// SetFailure makes every following announce fail with reason ("" to stop).
func (s *swarms) SetFailure(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failure = reason
}

// SetInterval sets the interval and min interval returned (min interval is
// only sent over HTTP; 0 omits it).
func (s *swarms) SetInterval(interval, minInterval time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.interval, s.minInterval = interval, minInterval
}
