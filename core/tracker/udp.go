package tracker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"time"
)

type udpConnID struct {
	id      uint64
	expires time.Time
}

// errAttemptTimeout marks one BEP 15 attempt that got no answer in time.
var errAttemptTimeout = errors.New("udp attempt timed out")

func (c *Client) announceUDP(ctx context.Context, u *url.URL, req AnnounceRequest) (*AnnounceResponse, error) {
	if u.Port() == "" {
		return nil, fmt.Errorf("udp tracker URL has no port")
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "udp", u.Host)
	if err != nil {
		return nil, err
	}
	conn := nc.(*net.UDPConn)
	defer conn.Close()
	remote := conn.RemoteAddr().(*net.UDPAddr).AddrPort()
	v6 := !remote.Addr().Unmap().Is4()
	key := remote.String()

	// Wake a blocked read when ctx ends; roundTrip re-checks ctx after
	// every deadline it sets, so this cannot be overwritten unnoticed.
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()

	urlData := u.EscapedPath()
	if u.RawQuery != "" {
		urlData += "?" + u.RawQuery
	}
	if len(urlData) > udpMaxURLData {
		return nil, fmt.Errorf("udp tracker URL path and query longer than %d bytes", udpMaxURLData)
	}
	buf := make([]byte, udpMaxDatagram)
	timeout := c.udpTimeout()
	for n := 0; n <= c.udpRetries(); n++ {
		wait := timeout << n
		id, ok := c.cachedConnID(key)
		if !ok {
			tid := rand.Uint32()
			reply, err := roundTrip(ctx, conn, buf, udpConnectPacket(tid), tid, udpActionConn, wait)
			if errors.Is(err, errAttemptTimeout) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("udp connect: %w", err)
			}
			if id, err = ParseUDPConnectResponse(reply); err != nil {
				return nil, err
			}
			c.storeConnID(key, id)
		}
		tid := rand.Uint32()
		reply, err := roundTrip(ctx, conn, buf, udpAnnouncePacket(id, tid, &req, urlData), tid, udpActionAnnc, wait)
		if errors.Is(err, errAttemptTimeout) {
			// The id may have been forgotten by a restarted tracker.
			c.dropConnID(key, id)
			continue
		}
		if err != nil {
			// Some trackers answer a stale connection id with an error
			// action: make the next announce connect afresh.
			c.dropConnID(key, id)
			return nil, fmt.Errorf("udp announce: %w", err)
		}
		return ParseUDPAnnounceResponse(reply, v6)
	}
	return nil, fmt.Errorf("%w: no udp reply after %d attempts", ErrTimeout, c.udpRetries()+1)
}

// roundTrip sends pkt and waits up to wait for a reply with transaction id
// tid, ignoring stray datagrams. It returns the reply (aliasing buf), a
// *FailureError for an error action, errAttemptTimeout, or ctx's error.
func roundTrip(ctx context.Context, conn *net.UDPConn, buf, pkt []byte, tid, action uint32, wait time.Duration) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if _, err := conn.Write(pkt); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	ctxBound := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, ctxBound = d, true
	}
	if err := conn.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil { // ctx ended before our deadline was set
		return nil, err
	}
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if ctxBound {
					// The socket's clock can beat ctx's timer by a hair.
					<-ctx.Done()
					return nil, ctx.Err()
				}
				return nil, errAttemptTimeout
			}
			// ICMP port unreachable surfaces as ECONNREFUSED on a connected
			// UDP socket: BEP 15 says keep retrying, but a refused port is
			// a network error worth reporting at once.
			return nil, err
		}
		b := buf[:n]
		if n < udpMinReplySize || binary.BigEndian.Uint32(b[4:]) != tid {
			continue // stray or late datagram
		}
		switch got := binary.BigEndian.Uint32(b); got {
		case action:
			return b, nil
		case udpActionError:
			return nil, parseUDPError(b)
		default:
			return nil, malformed("udp reply has action %d, want %d", got, action)
		}
	}
}

func (c *Client) cachedConnID(key string) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.conns[key]
	if !ok || !c.clock().Before(e.expires) {
		return 0, false
	}
	return e.id, true
}

func (c *Client) storeConnID(key string, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conns == nil {
		c.conns = make(map[string]udpConnID)
	}
	now := c.clock()
	for k, e := range c.conns { // keep the cache from growing without bound
		if !now.Before(e.expires) {
			delete(c.conns, k)
		}
	}
	c.conns[key] = udpConnID{id: id, expires: now.Add(udpConnIDLifetime)}
}

func (c *Client) dropConnID(key string, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.conns[key]; ok && e.id == id {
		delete(c.conns, key)
	}
}
