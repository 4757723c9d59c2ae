package dht

import (
	"fmt"
	"net"
	"net/netip"
)

// PacketConn is what a Server reads and writes KRPC datagrams through: a *net.UDPConn of its
// own (Config.Addrs), or a view of a socket shared with other protocols (Config.Conns; the
// session gives core/udpmux's KRPC view, which queues only the datagrams that look like
// KRPC). The server reads it from one goroutine, writes from many, and closes it on Close.
type PacketConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	// LocalAddr is a *net.UDPAddr (or any net.Addr whose String is ip:port).
	LocalAddr() net.Addr
	Close() error
}

// openConns takes Config.Conns, or else opens a socket per Config.Addrs: at most one per
// address family either way.
func (s *Server) openConns(c Config) error {
	if len(c.Conns) > 0 {
		for _, conn := range c.Conns {
			a := localAddr(conn)
			if !a.IsValid() {
				return fmt.Errorf("dht: connection with local address %v", conn.LocalAddr())
			}
			fam := famOf(a)
			if s.conns[fam] != nil {
				return fmt.Errorf("dht: two connections of one family (%v)", a)
			}
			s.conns[fam] = conn
		}
		return nil
	}
	for _, a := range c.Addrs {
		fam, network := famV4, "udp4"
		if is6(a) {
			fam, network = famV6, "udp6"
		}
		if s.conns[fam] != nil {
			return fmt.Errorf("dht: two listen addresses of one family (%v)", a)
		}
		conn, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(unmapAP(a)))
		if err != nil {
			return fmt.Errorf("dht: listen %v: %w", a, err)
		}
		s.conns[fam] = conn
	}
	return nil
}

// localAddr is conn's bound address, unmapped; invalid if it does not say.
func localAddr(conn PacketConn) netip.AddrPort {
	switch a := conn.LocalAddr().(type) {
	case *net.UDPAddr:
		return unmapAP(a.AddrPort())
	case nil:
		return netip.AddrPort{}
	default:
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return netip.AddrPort{}
		}
		return unmapAP(ap)
	}
}
