package lsd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// mcastSocket is one UDP socket bound to a group's address and port, joined on some interfaces.
// Only the announce goroutine sends on it (sendAll sets the outgoing interface per datagram).
type mcastSocket struct {
	group  netip.AddrPort
	conn   *net.UDPConn
	raw    syscall.RawConn
	ifaces []net.Interface // joined on
	src4   [][4]byte       // per interface, the IPv4 source address for our announces
}

// pickInterfaces resolves names, or finds every up, multicast-capable, non-loopback interface.
func pickInterfaces(names []string) ([]net.Interface, error) {
	if len(names) > 0 {
		var out []net.Interface
		for _, n := range names {
			ifi, err := net.InterfaceByName(n)
			if err != nil {
				return nil, fmt.Errorf("lsd: interface %q: %w", n, err)
			}
			if ifi.Flags&net.FlagUp == 0 {
				return nil, fmt.Errorf("lsd: interface %q is down", n)
			}
			out = append(out, *ifi)
		}
		return out, nil
	}
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("lsd: listing interfaces: %w", err)
	}
	var out []net.Interface
	for _, ifi := range all {
		if ifi.Flags&net.FlagUp != 0 && ifi.Flags&net.FlagMulticast != 0 && ifi.Flags&net.FlagLoopback == 0 {
			out = append(out, ifi)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("lsd: no interface is up and multicast-capable")
	}
	return out, nil
}

// InterfacesState describes what Start would use for these interface names
// (nil: every eligible interface): each interface's name, index, flags and
// addresses, or the error. A change means a Service started now would join
// on other interfaces or announce from other addresses.
func InterfacesState(names []string) string {
	ifaces, err := pickInterfaces(names)
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, ifi := range ifaces {
		fmt.Fprintf(&b, "%s/%d/%v:", ifi.Name, ifi.Index, ifi.Flags)
		addrs, _ := ifi.Addrs()
		for _, a := range addrs {
			b.WriteString(a.String())
			b.WriteByte(',')
		}
		b.WriteByte(';')
	}
	return b.String()
}

func hasAddr(ifi net.Interface, v4 bool) bool { return firstAddr(ifi, v4).IsValid() }

// firstAddr is the interface's first address of a family, or the zero Addr.
func firstAddr(ifi net.Interface, v4 bool) netip.Addr {
	addrs, err := ifi.Addrs()
	if err != nil {
		return netip.Addr{}
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok && ip.Unmap().Is4() == v4 {
				return ip.Unmap()
			}
		}
	}
	return netip.Addr{}
}

// listenGroup binds group's address and port (shared with other LSD clients on the host),
// receives only the groups it joined, loops its own datagrams back (so several clients on one
// host find each other) and joins on every interface it can.
func listenGroup(group netip.AddrPort, ifaces []net.Interface, ttl int) (*mcastSocket, error) {
	v4 := group.Addr().Is4()
	network := "udp6"
	if v4 {
		network = "udp4"
	}
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		})
		return errors.Join(err, serr)
	}}
	pc, err := lc.ListenPacket(context.Background(), network, group.String())
	if err != nil {
		return nil, fmt.Errorf("lsd: %s: %w", group, err)
	}
	conn := pc.(*net.UDPConn)
	raw, err := conn.SyscallConn()
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("lsd: %s: %w", group, err)
	}
	ms := &mcastSocket{group: group, conn: conn, raw: raw}
	var setupErr error
	var joinErrs []error
	err = raw.Control(func(fd uintptr) {
		s := int(fd)
		if v4 {
			unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0) // best effort
			setupErr = errors.Join(
				unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, ttl),
				unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 1))
		} else {
			unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0) // Linux 4.20+
			setupErr = errors.Join(
				unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, ttl),
				unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 1))
		}
		if setupErr != nil {
			return
		}
		for _, ifi := range ifaces {
			var jerr error
			if v4 {
				mreq := &unix.IPMreqn{Multiaddr: group.Addr().As4(), Ifindex: int32(ifi.Index)}
				jerr = unix.SetsockoptIPMreqn(s, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq)
			} else {
				mreq := &unix.IPv6Mreq{Multiaddr: group.Addr().As16(), Interface: uint32(ifi.Index)}
				jerr = unix.SetsockoptIPv6Mreq(s, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq)
			}
			if jerr != nil {
				joinErrs = append(joinErrs, fmt.Errorf("joining %s on %s: %w", group.Addr(), ifi.Name, jerr))
				continue
			}
			ms.ifaces = append(ms.ifaces, ifi)
			if v4 {
				// Named explicitly: the kernel picks no source for a host-scope address (lo).
				ms.src4 = append(ms.src4, firstAddr(ifi, true).As4())
			}
		}
	})
	if err = errors.Join(err, setupErr); err != nil || len(ms.ifaces) == 0 {
		conn.Close()
		return nil, fmt.Errorf("lsd: %s: %w", group, errors.Join(err, errors.Join(joinErrs...)))
	}
	return ms, nil
}

// sendAll sends pkt to the group through each joined interface and returns how many went out.
func (ms *mcastSocket) sendAll(pkt []byte) int {
	n := 0
	for i, ifi := range ms.ifaces {
		var serr error
		err := ms.raw.Control(func(fd uintptr) {
			if ms.group.Addr().Is4() {
				mreq := &unix.IPMreqn{Address: ms.src4[i], Ifindex: int32(ifi.Index)}
				serr = unix.SetsockoptIPMreqn(int(fd), unix.IPPROTO_IP, unix.IP_MULTICAST_IF, mreq)
			} else {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifi.Index)
			}
		})
		if err != nil || serr != nil {
			continue
		}
		if _, err := ms.conn.WriteToUDPAddrPort(pkt, ms.group); err == nil {
			n++
		}
	}
	return n
}
