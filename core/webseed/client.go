package webseed

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/libbt/libbt/core/metainfo"
)

// Options tune a Client; zero values take the defaults.
type Options struct {
	UserAgent    string
	Connections  int           // keep-alive connections kept per host (default 4)
	MaxRedirects int           // redirects followed per request (default 5)
	IdleTimeout  time.Duration // a request with no progress for this long fails (default 20 s)
	// Transport replaces the tuned default transport (tests).
	Transport http.RoundTripper
}

// Defaults for Options.
const (
	DefaultConnections  = 4
	DefaultMaxRedirects = 5
	DefaultIdleTimeout  = 20 * time.Second
)

// Client fetches one torrent's data from one web seed. See the package doc
// for its concurrency model.
type Client struct {
	kind     Kind
	base     string
	info     *metainfo.Info
	infoHash metainfo.InfoHash
	opts     Options
	http     *http.Client
	fileURLs []string // GetRight: the URL of each file
}

// New returns a client for the web seed at base. info must stay unchanged
// while the client is in use.
func New(kind Kind, base string, infoHash metainfo.InfoHash, info *metainfo.Info, opts Options) (*Client, error) {
	if kind != GetRight && kind != Hoffman {
		return nil, fmt.Errorf("webseed: unknown kind %d", kind)
	}
	if err := ValidateURL(base); err != nil {
		return nil, err
	}
	if opts.Connections <= 0 {
		opts.Connections = DefaultConnections
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	c := &Client{kind: kind, base: base, info: info, infoHash: infoHash, opts: opts}
	tr := opts.Transport
	if tr == nil {
		tr = newTransport(opts)
	}
	c.http = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opts.MaxRedirects {
				return fmt.Errorf("%w (%d)", ErrRedirects, opts.MaxRedirects)
			}
			return nil
		},
	}
	if kind == GetRight {
		c.fileURLs = make([]string, len(info.Files))
		for i := range info.Files {
			c.fileURLs[i] = FileURL(base, info, metainfo.FileIndex(i))
		}
	}
	return c, nil
}

// newTransport is a keep-alive transport for a few long range requests to
// one host: no proxy from the environment, no transparent gzip (it would
// break byte ranges), deep socket buffers for one fast server.
func newTransport(o Options) *http.Transport {
	d := &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := d.DialContext(ctx, network, addr)
			if tc, ok := conn.(*net.TCPConn); ok {
				tc.SetReadBuffer(4 << 20)
			}
			return conn, err
		},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          o.Connections,
		MaxIdleConnsPerHost:   o.Connections,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: o.IdleTimeout,
		DisableCompression:    true,
		ReadBufferSize:        256 << 10,
	}
}

// Kind returns the web seed's protocol.
func (c *Client) Kind() Kind { return c.kind }

// URL returns the web seed's base URL.
func (c *Client) URL() string { return c.base }

// Close drops the idle keep-alive connections. Fetches still running go on.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Fetch writes bytes [off, off+n) of the torrent's byte stream to w, in
// order, and returns nil only when all n bytes were written. A range that
// spans files (GetRight) or pieces (Hoffman) takes one request per file or
// piece; padding files (BEP 47) are written as zeros without a request. A
// failed request returns an *Error; an error from w is returned as is.
func (c *Client) Fetch(ctx context.Context, off, n int64, w io.Writer) error {
	if off < 0 || n <= 0 || off > c.info.TotalLength-n {
		return fmt.Errorf("webseed: range %d+%d is outside the torrent (%d bytes)", off, n, c.info.TotalLength)
	}
	if c.kind == Hoffman {
		return c.fetchPieces(ctx, off, n, w)
	}
	for _, s := range segments(c.info, off, n) {
		var err error
		if s.pad {
			err = writeZeros(w, s.n)
		} else {
			err = c.getRange(ctx, c.fileURLs[s.file], s.fileOff, s.n, c.info.Files[s.file].Length, w)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) fetchPieces(ctx context.Context, off, n int64, w io.Writer) error {
	pl := c.info.PieceLength
	for end := off + n; off < end; {
		piece := metainfo.PieceIndex(off / pl)
		begin := off - int64(piece)*pl
		take := min(end-off, pl-begin)
		whole := begin == 0 && take == c.info.PieceSize(piece)
		u := PieceURL(c.base, c.infoHash, piece, begin, begin+take-1, whole)
		if err := c.getPiece(ctx, u, take, w); err != nil {
			return err
		}
		off += take
	}
	return nil
}

var zeros [32 << 10]byte

func writeZeros(w io.Writer, n int64) error {
	for n > 0 {
		k := min(n, int64(len(zeros)))
		if _, err := w.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
