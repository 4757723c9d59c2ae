package session

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/libbt/libbt/core/udpmux"
	"github.com/libbt/libbt/dht"
)

// One UDP socket per listen address (core/udpmux), on the TCP listener's address and port,
// shared by the UDP tracker client and the DHT (and uTP, later). The sockets live in
// s.trackers.UDP, so that the tracker client has them from the start; they close after the
// torrents' last (stopped) announces.

// openUDP opens the shared sockets beside the TCP listeners. A listener whose UDP port cannot
// be bound gets a listen_failed alert; trackers then use a socket of the client's own and the
// DHT its own sockets, as before.
func (s *Session) openUDP() {
	s.mu.Lock()
	lns := append([]net.Listener(nil), s.listeners...)
	s.mu.Unlock()
	var muxes []*udpmux.Mux
	for _, ln := range lns {
		ap := ln.Addr().(*net.TCPAddr).AddrPort()
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		m, err := udpmux.Listen(ap, udpmux.Config{OnPanic: s.sessionPanic})
		if err != nil {
			s.alerts.push(Alert{Type: AlertListenFailed, Endpoint: ap.String(), Err: err,
				Message: fmt.Sprintf("listening on UDP %s failed: %v", ap, err)})
			continue
		}
		muxes = append(muxes, m)
	}
	s.trackers.UDP = muxes
}

// closeUDP closes the shared sockets and the tracker client's own.
func (s *Session) closeUDP() {
	s.trackers.Close()
	for _, m := range s.trackers.UDP {
		m.Close()
	}
}

// dhtConns gives the DHT the KRPC views of the shared sockets on addrs; when one of addrs has
// no shared socket it gives none, and the DHT opens its own sockets on addrs.
func (s *Session) dhtConns(addrs []netip.AddrPort) []dht.PacketConn {
	var conns []dht.PacketConn
	for _, a := range addrs {
		var view *udpmux.View
		for _, m := range s.trackers.UDP {
			if m.LocalAddr() == a {
				view, _ = m.KRPC()
				break
			}
		}
		if view == nil {
			for _, c := range conns {
				c.Close()
			}
			return nil
		}
		conns = append(conns, view)
	}
	return conns
}
