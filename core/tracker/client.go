package tracker

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/libbt/libbt/core/udpmux"
)

// Defaults used when the corresponding Client field is zero.
const (
	DefaultUDPRetries = 8                // BEP 15: n = 0..8
	DefaultUDPTimeout = 15 * time.Second // BEP 15: 15 * 2^n seconds
	DefaultUserAgent  = "libbt/0.1"
	// MaxHTTPResponse bounds the body read from an HTTP tracker.
	MaxHTTPResponse = 1 << 20
	// DefaultUDPTokenExpiry is libtorrent's udp_tracker_token_expiry: a BEP 15 connection
	// id is reused for a minute after its connect reply arrived.
	DefaultUDPTokenExpiry = 60 * time.Second
	// DefaultUDPReceiveTimeout is libtorrent's tracker_receive_timeout: no single attempt
	// waits longer than this, however far BEP 15's doubling has gone.
	DefaultUDPReceiveTimeout = 10 * time.Second
)

// Client announces to HTTP(S) and UDP trackers. The zero value is ready to
// use; a Client must not be copied after first use. It is safe for
// concurrent use.
type Client struct {
	// HTTP is used for http and https trackers; nil means a client with a
	// 30 s timeout (the context passed to Announce also applies).
	HTTP *http.Client
	// UserAgent is sent to HTTP trackers; empty means DefaultUserAgent.
	UserAgent string
	// UDPRetries is the number of retransmissions after the first try
	// (BEP 15's n runs 0..UDPRetries). Zero means DefaultUDPRetries; a
	// negative value means a single attempt.
	UDPRetries int
	// UDPTimeout is the first attempt's timeout; attempt n waits
	// UDPTimeout*2^n (BEP 15), at most UDPReceiveTimeout. Zero means DefaultUDPTimeout.
	UDPTimeout time.Duration
	// UDPReceiveTimeout caps one attempt's wait (libtorrent's tracker_receive_timeout; the
	// whole announce is bounded by the caller's context, libtorrent's
	// tracker_completion_timeout). Zero means DefaultUDPReceiveTimeout.
	UDPReceiveTimeout time.Duration
	// UDPTokenExpiry is how long a connection id is reused after its connect reply
	// (libtorrent's udp_tracker_token_expiry). Zero means DefaultUDPTokenExpiry.
	UDPTokenExpiry time.Duration
	// UDP are the shared sockets to announce through (the session's, one per listen
	// address); an announce takes the one that can reach the tracker. For a tracker none
	// of them reaches, the client opens one socket of its own per address family, kept
	// until Close. Set it before the first announce.
	UDP []*udpmux.Mux

	mu     sync.Mutex
	conns  map[connKey]*udpConnID // one per (socket, tracker endpoint); expired ones pruned on insert
	own    [2]*udpmux.Mux         // sockets opened for trackers UDP does not reach: v4, v6
	closed bool
	now    func() time.Time // for tests; nil means time.Now
}

var defaultHTTPClient = &http.Client{Timeout: 30 * time.Second}

// Announce sends req to the tracker at rawURL (http, https or udp scheme)
// and returns its reply. Every error is an *Error carrying rawURL; see the
// package doc for telling failure replies from network errors.
func (c *Client) Announce(ctx context.Context, rawURL string, req AnnounceRequest) (*AnnounceResponse, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, &Error{URL: rawURL, Err: err}
	}
	var resp *AnnounceResponse
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		resp, err = c.announceHTTP(ctx, rawURL, req)
	case "udp":
		resp, err = c.announceUDP(ctx, u, req)
	default:
		err = fmt.Errorf("%w %q", ErrUnsupportedScheme, u.Scheme)
	}
	if err != nil {
		return nil, &Error{URL: rawURL, Err: err}
	}
	return resp, nil
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTPClient
}

func (c *Client) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	return DefaultUserAgent
}

func (c *Client) udpRetries() int {
	switch {
	case c.UDPRetries == 0:
		return DefaultUDPRetries
	case c.UDPRetries < 0:
		return 0
	}
	return c.UDPRetries
}

func (c *Client) udpTimeout() time.Duration {
	if c.UDPTimeout > 0 {
		return c.UDPTimeout
	}
	return DefaultUDPTimeout
}

func (c *Client) udpReceiveTimeout() time.Duration {
	if c.UDPReceiveTimeout > 0 {
		return c.UDPReceiveTimeout
	}
	return DefaultUDPReceiveTimeout
}

func (c *Client) udpTokenExpiry() time.Duration {
	if c.UDPTokenExpiry > 0 {
		return c.UDPTokenExpiry
	}
	return DefaultUDPTokenExpiry
}

func (c *Client) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}
