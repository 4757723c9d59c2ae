package tracker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"github.com/libbt/libbt/core/udpmux"
)

// udpConnID is one tracker endpoint's BEP 15 connection id as seen from one socket.
type udpConnID struct {
	id      uint64
	expires time.Time
	// connecting is non-nil while one announce connects for everyone waiting on this
	// endpoint; it is closed when that connect ends, well or not.
	connecting chan struct{}
}

// connKey names a connection id: trackers may tie it to the address it was given to.
type connKey struct{ local, remote netip.AddrPort }

// errAttemptTimeout marks one BEP 15 attempt that got no answer in time.
var errAttemptTimeout = errors.New("udp attempt timed out")

func (c *Client) announceUDP(ctx context.Context, u *url.URL, req AnnounceRequest) (*AnnounceResponse, error) {
	if u.Port() == "" {
		return nil, fmt.Errorf("udp tracker URL has no port")
	}
	urlData := u.EscapedPath()
	if u.RawQuery != "" {
		urlData += "?" + u.RawQuery
	}
	if len(urlData) > udpMaxURLData {
		return nil, fmt.Errorf("udp tracker URL path and query longer than %d bytes", udpMaxURLData)
	}
	remote, err := c.resolveUDP(ctx, u)
	if err != nil {
		return nil, err
	}
	m, err := c.muxFor(remote)
	if err != nil {
		return nil, err
	}
	key := connKey{m.LocalAddr(), remote}
	v6 := remote.Addr().Is6()
	for n := 0; n <= c.udpRetries(); n++ {
		wait := c.attemptWait(n)
		id, err := c.connID(ctx, m, key, wait)
		if errors.Is(err, errAttemptTimeout) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("udp connect: %w", err)
		}
		reply, err := roundTrip(ctx, m, remote, func(tid uint32) []byte {
			return udpAnnouncePacket(id, tid, &req, urlData)
		}, udpActionAnnc, wait)
		if errors.Is(err, errAttemptTimeout) {
			// The id may have been forgotten by a restarted tracker, which ignores
			// announces with ids it does not know.
			c.dropConnID(key, id)
			continue
		}
		if err != nil {
			// An error reply may mean a stale connection id: connect afresh next time.
			c.dropConnID(key, id)
			return nil, fmt.Errorf("udp announce: %w", err)
		}
		return ParseUDPAnnounceResponse(reply, v6)
	}
	return nil, fmt.Errorf("%w: no udp reply after %d attempts", ErrTimeout, c.udpRetries()+1)
}

// attemptWait is BEP 15's 15·2^n (UDPTimeout·2^n), capped at UDPReceiveTimeout.
func (c *Client) attemptWait(n int) time.Duration {
	w := c.udpTimeout() << min(n, 16)
	return min(w, c.udpReceiveTimeout())
}

// resolveUDP gives the tracker's address; a host name is looked up, preferring an address
// of a family the client has a shared socket for.
func (c *Client) resolveUDP(ctx context.Context, u *url.URL) (netip.AddrPort, error) {
	port, err := strconv.ParseUint(u.Port(), 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, fmt.Errorf("udp tracker port %q", u.Port())
	}
	if ip, err := netip.ParseAddr(u.Hostname()); err == nil {
		return netip.AddrPortFrom(ip.Unmap(), uint16(port)), nil
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return netip.AddrPort{}, err
	}
	if len(ips) == 0 {
		return netip.AddrPort{}, fmt.Errorf("no address for %s", u.Hostname())
	}
	best := ips[0].Unmap()
	for _, ip := range ips {
		if c.sharedMux(netip.AddrPortFrom(ip.Unmap(), uint16(port))) != nil {
			best = ip.Unmap()
			break
		}
	}
	return netip.AddrPortFrom(best, uint16(port)), nil
}

// roundTrip registers a transaction on m, sends build(tid) to remote and waits up to wait
// for the reply carrying action. It returns the reply (a *FailureError for an error action),
// errAttemptTimeout, or ctx's error. The mux delivers only a reply with our transaction id
// from remote; anything else is its to drop and count.
func roundTrip(ctx context.Context, m *udpmux.Mux, remote netip.AddrPort, build func(tid uint32) []byte, action uint32, wait time.Duration) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	tx, err := m.NewTx(remote)
	if err != nil {
		return nil, err
	}
	defer tx.Close()
	if err := tx.Send(build(tx.ID())); err != nil {
		return nil, err
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case b := <-tx.Reply():
		switch got := binary.BigEndian.Uint32(b); got {
		case action:
			return b, nil
		case udpActionError:
			return nil, parseUDPError(b)
		default:
			return nil, malformed("udp reply has action %d, want %d", got, action)
		}
	case <-timer.C:
		return nil, errAttemptTimeout
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-tx.Closed():
		return nil, udpmux.ErrClosed
	}
}

// connID returns a connection id for key: the cached one while it is younger than
// UDPTokenExpiry, else a fresh one from a connect. Concurrent announces to one endpoint
// share one connect: the first sends it, the others wait for its outcome (and connect
// themselves if it failed).
func (c *Client) connID(ctx context.Context, m *udpmux.Mux, key connKey, wait time.Duration) (uint64, error) {
	for {
		c.mu.Lock()
		e := c.conns[key]
		switch {
		case e != nil && e.connecting != nil:
			ch := e.connecting
			c.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		case e != nil && c.clock().Before(e.expires):
			c.mu.Unlock()
			return e.id, nil
		}
		done := make(chan struct{})
		if c.conns == nil {
			c.conns = make(map[connKey]*udpConnID)
		}
		c.pruneConnIDs()
		c.conns[key] = &udpConnID{connecting: done}
		c.mu.Unlock()

		id, err := c.connect(ctx, m, key.remote, wait)
		c.mu.Lock()
		if err == nil {
			c.conns[key] = &udpConnID{id: id, expires: c.clock().Add(c.udpTokenExpiry())}
		} else {
			delete(c.conns, key)
		}
		c.mu.Unlock()
		close(done)
		return id, err
	}
}

func (c *Client) connect(ctx context.Context, m *udpmux.Mux, remote netip.AddrPort, wait time.Duration) (uint64, error) {
	reply, err := roundTrip(ctx, m, remote, udpConnectPacket, udpActionConn, wait)
	if err != nil {
		return 0, err
	}
	return ParseUDPConnectResponse(reply)
}

// pruneConnIDs forgets expired ids so the cache holds only live endpoints; c.mu held.
func (c *Client) pruneConnIDs() {
	now := c.clock()
	for k, e := range c.conns {
		if e.connecting == nil && !now.Before(e.expires) {
			delete(c.conns, k)
		}
	}
}

func (c *Client) dropConnID(key connKey, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.conns[key]; ok && e.connecting == nil && e.id == id {
		delete(c.conns, key)
	}
}
