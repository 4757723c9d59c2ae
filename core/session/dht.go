package session

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/libbt/libbt/core/peerwire"
	"github.com/libbt/libbt/dht"
)

// The Mainline DHT (BEP 5) in the session: one DHT node on the listen addresses' UDP ports,
// started when enable_dht is on. Torrents announce to it and take peers from it; private
// torrents (BEP 27) never do. Nodes learned from peers' port messages are pinged into the table.

const (
	dhtAnnounceFirst = 2 * time.Second // young loopback swarms: re-announce soon, then back off
	dhtAnnounceMax   = 15 * time.Minute
	dhtEagerTries    = 60 // quick retries while a lookup finds nobody and we have no peers
	dhtEagerRetry    = 300 * time.Millisecond
)

// startDHT starts the DHT node if enable_dht is set and it is not running.
func (s *Session) startDHT() error {
	if !s.conf().EnableDHT {
		return nil
	}
	s.mu.Lock()
	if s.dht != nil {
		s.mu.Unlock()
		return nil
	}
	var addrs []netip.AddrPort
	seen := map[bool]bool{}
	for _, ln := range s.listeners {
		ap := ln.Addr().(*net.TCPAddr).AddrPort()
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if !seen[ap.Addr().Is6()] { // at most one address per family
			seen[ap.Addr().Is6()] = true
			addrs = append(addrs, ap)
		}
	}
	s.mu.Unlock()
	if len(addrs) == 0 {
		return fmt.Errorf("%w: the DHT needs a listen interface", ErrInvalidArgument)
	}
	cfg := dht.Config{Addrs: addrs, Bootstrap: splitList(s.conf().DHTBootstrapNodes),
		ReadOnly: s.conf().DHTReadOnly, EnforceNodeID: s.conf().DHTEnforceNodeID,
		OnPanic: s.sessionPanic}
	if cfg.Conns = s.dhtConns(addrs); cfg.Conns != nil { // udp.go: the shared sockets
		cfg.Addrs = nil
	}
	if path := s.conf().DHTStateFile; path != "" {
		if st, err := os.ReadFile(path); err == nil {
			cfg.State = st
		}
	}
	d, err := dht.New(cfg)
	if err != nil {
		return fmt.Errorf("%w: dht: %v", ErrNetwork, err)
	}
	s.mu.Lock()
	s.dht = d
	s.mu.Unlock()
	s.goSession("dht bootstrap", func() {
		if s.hooks.dhtBootstrap != nil {
			s.hooks.dhtBootstrap()
		}
		d.Bootstrap(s.ctx)
	})
	return nil
}

// stopDHT saves the DHT state (dht_state_file) and closes the node.
func (s *Session) stopDHT() {
	s.mu.Lock()
	d := s.dht
	s.dht = nil
	s.mu.Unlock()
	if d == nil {
		return
	}
	if path := s.conf().DHTStateFile; path != "" {
		WriteResumeFile(path, d.State())
	}
	d.Close()
}

// DHT returns the session's DHT node, or nil when enable_dht is off.
func (s *Session) DHT() *dht.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dht
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// dhtTick announces the torrent to the DHT when due; the lookup's peers become candidates.
func (t *Torrent) dhtTick(now time.Time) {
	d := t.s.DHT()
	if d == nil || t.private() || t.paused || t.dhtBusy || now.Before(t.dhtNext) ||
		t.state == StateCheckingFiles || t.state == StateError {
		return
	}
	if st := d.Stats(); st.Nodes4+st.Nodes6 == 0 {
		// Still bootstrapping: a lookup now would find nothing. Look again shortly rather
		// than at the next one-second tick.
		if !t.dhtWaiting {
			t.dhtWaiting = true
			time.AfterFunc(100*time.Millisecond, func() {
				t.post(func() { t.dhtWaiting = false; t.dhtTick(time.Now()) })
			})
		}
		return
	}
	t.dhtBusy = true
	if t.dhtInterval == 0 {
		t.dhtInterval = dhtAnnounceFirst
	}
	port := t.s.ListenPort()
	ctx, cancel := context.WithTimeout(t.ctx, time.Minute)
	t.goSafely("dht announce", func() {
		defer cancel()
		var found []netip.AddrPort
		stats, err := d.AnnounceFunc(ctx, t.infoHash, port, false, func(peers []netip.AddrPort) {
			found = append(found, peers...)
			batch := append([]netip.AddrPort(nil), peers...)
			t.post(func() {
				for _, ap := range batch {
					if ap.Port() != 0 && !t.isBanned(ap) && len(t.candidates) < maxCandidates {
						if _, known := t.candidates[ap]; !known {
							t.candidates[ap] = sourceDHT
						}
					}
				}
				t.connectPeers()
			})
		})
		t.post(func() {
			t.dhtBusy = false
			if len(found) == 0 && len(t.peers) == 0 && t.dhtEmpty < dhtEagerTries {
				// Nobody yet: the swarm may be forming; ask again soon rather than backing off.
				// Quick at first, then politely: libtorrent nodes block an IP that sends
				// them more than a few packets a second.
				delay := dhtEagerRetry
				if t.dhtEmpty >= 5 {
					delay = 2 * time.Second
				}
				t.dhtEmpty++
				t.dhtNext = time.Now().Add(delay)
				time.AfterFunc(delay, func() { t.post(func() { t.dhtTick(time.Now()) }) })
			} else {
				t.dhtNext = time.Now().Add(t.dhtInterval)
				t.dhtInterval = min(2*t.dhtInterval, dhtAnnounceMax)
			}
			msg := fmt.Sprintf("%s: DHT announce found %d peers", t.name, len(found))
			if err != nil {
				msg = fmt.Sprintf("%s: DHT announce: %v (%d peers)", t.name, err, len(found))
			}
			t.s.alerts.push(Alert{Type: AlertDHTReply, Torrent: t, InfoHash: t.infoHash, Count: int64(len(found)), Err: err,
				Message: msg + fmt.Sprintf(" in %d rounds", stats.Rounds)})
		})
	})
}

// onPort handles a peer's BEP 5 port message: ping its DHT node so it can join our table.
func (t *Torrent) onPort(p *peerConn, port uint16) {
	d := t.s.DHT()
	if d == nil || port == 0 || t.private() {
		return
	}
	addr := netip.AddrPortFrom(p.addr.Addr(), port)
	t.goSafely("dht ping", func() {
		ctx, cancel := context.WithTimeout(t.ctx, 5*time.Second)
		defer cancel()
		d.Ping(ctx, addr)
	})
}

// sendDHTPort tells a peer that supports the DHT where ours listens (BEP 5).
func (t *Torrent) sendDHTPort(p *peerConn) {
	if d := t.s.DHT(); d != nil && p.dht && !t.private() {
		for _, a := range d.Addrs() {
			if a.Addr().Is6() == p.addr.Addr().Is6() {
				p.send(func(buf []byte) []byte { return peerwire.AppendPort(buf, a.Port()) })
				return
			}
		}
	}
}
