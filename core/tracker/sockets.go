package tracker

import (
	"fmt"
	"net/netip"

	"github.com/libbt/libbt/core/udpmux"
)

// sharedMux returns the shared socket (Client.UDP) that can reach remote: one of its family,
// bound to the unspecified address or on the same side of loopback as remote.
func (c *Client) sharedMux(remote netip.AddrPort) *udpmux.Mux {
	for _, m := range c.UDP {
		if m == nil || m.Is6() != remote.Addr().Is6() {
			continue
		}
		if a := m.LocalAddr().Addr(); a.IsUnspecified() || a.IsLoopback() == remote.Addr().IsLoopback() {
			return m
		}
	}
	return nil
}

// muxFor returns the socket to reach remote through: a shared one, else the client's own for
// that family, opened on first use (one per family for the client's life, never one per
// announce) and closed by Close.
func (c *Client) muxFor(remote netip.AddrPort) (*udpmux.Mux, error) {
	if m := c.sharedMux(remote); m != nil {
		return m, nil
	}
	fam := 0
	unspec := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	if remote.Addr().Is6() {
		fam, unspec = 1, netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, udpmux.ErrClosed
	}
	if c.own[fam] == nil {
		m, err := udpmux.Listen(unspec, udpmux.Config{})
		if err != nil {
			return nil, fmt.Errorf("udp socket for trackers: %w", err)
		}
		c.own[fam] = m
	}
	return c.own[fam], nil
}

// Close closes the sockets the client opened itself (not the shared ones in UDP); UDP
// announces then fail. HTTP announces keep working.
func (c *Client) Close() error {
	c.mu.Lock()
	own := c.own
	c.own = [2]*udpmux.Mux{}
	c.closed = true
	c.mu.Unlock()
	for _, m := range own {
		if m != nil {
			m.Close()
		}
	}
	return nil
}
