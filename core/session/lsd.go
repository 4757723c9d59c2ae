package session

import (
	"fmt"

	"github.com/libbt/libbt/core/lsd"
	"github.com/libbt/libbt/core/metainfo"
)

// Local Service Discovery (BEP 14), on only when enable_lsd is true. core/lsd's Manager runs the
// service on the interfaces of the listen addresses; here the session keeps the service's
// info-hash set equal to its active public torrents (private ones never announce: BEP 27) and
// makes a peer the service reports a candidate of its torrent with source LSD.

func (s *Session) newLSD() *lsd.Manager {
	return lsd.NewManager(lsd.ManagerConfig{
		Enabled:   func() bool { return s.conf().EnableLSD },
		Listen:    func() string { return s.conf().ListenInterfaces },
		Port:      func() uint16 { return uint16(s.ListenPort()) },
		Sync:      s.lsdSync,
		OnPeer:    s.lsdPeer,
		OnFailed:  s.lsdFailed,
		OnPanic:   s.sessionPanic,
		Supervise: s.superviseSession,
	})
}

func (s *Session) lsdFailed(err error) {
	s.alerts.push(Alert{Type: AlertListenFailed, Endpoint: lsd.Group4.String(), Err: err,
		Message: fmt.Sprintf("local service discovery: %v", err)})
}

// lsdSync runs on the LSD sync goroutine: each torrent adds or removes itself on its own
// goroutine, and removed torrents are dropped.
func (s *Session) lsdSync(svc *lsd.Service) {
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
