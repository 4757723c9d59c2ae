package webseed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

var errIdle = errors.New("idle timeout")

// exchange is one HTTP request with a watchdog: it fails with ErrTimeout
// when neither headers nor body bytes arrive for IdleTimeout.
type exchange struct {
	c      *Client
	url    string
	ctx    context.Context
	cancel context.CancelCauseFunc
	timer  *time.Timer
	resp   *http.Response
}

func (c *Client) start(ctx context.Context, u string, header func(http.Header)) (*exchange, error) {
	x := &exchange{c: c, url: u}
	x.ctx, x.cancel = context.WithCancelCause(ctx)
	x.timer = time.AfterFunc(c.opts.IdleTimeout, func() { x.cancel(errIdle) })
	req, err := http.NewRequestWithContext(x.ctx, http.MethodGet, u, nil)
	if err != nil {
		x.close()
		return nil, &Error{URL: u, Kind: ErrTransport, Err: err}
	}
	if c.opts.UserAgent != "" {
		req.Header.Set("User-Agent", c.opts.UserAgent)
	}
	header(req.Header)
	resp, err := c.http.Do(req)
	if err != nil {
		err = x.transportError(err)
		x.close()
		return nil, err
	}
	x.resp = resp
	x.timer.Reset(c.opts.IdleTimeout)
	return x, nil
}

func (x *exchange) close() {
	if x.resp != nil {
		// Drain a little so a short error page leaves the connection reusable;
		// the watchdog still bounds a server that stalls here.
		io.CopyN(io.Discard, x.resp.Body, 4<<10)
		x.resp.Body.Close()
	}
	x.timer.Stop()
	x.cancel(nil)
}

// transportError classifies an error from the client or the body reader.
func (x *exchange) transportError(err error) error {
	status := 0
	if x.resp != nil {
		status = x.resp.StatusCode
	}
	var ne net.Error
	switch {
	case errors.Is(context.Cause(x.ctx), errIdle) || errors.As(err, &ne) && ne.Timeout():
		return &Error{URL: x.url, Status: status, Kind: ErrTimeout, Detail: fmt.Sprintf("nothing received for %s", x.c.opts.IdleTimeout)}
	case errors.Is(err, ErrRedirects):
		return &Error{URL: x.url, Kind: ErrRedirects, Detail: fmt.Sprintf("more than %d", x.c.opts.MaxRedirects)}
	}
	return &Error{URL: x.url, Status: status, Kind: ErrTransport, Err: err}
}

func (x *exchange) fail(kind error, format string, args ...any) error {
	e := &Error{URL: x.url, Status: x.resp.StatusCode, Kind: kind, Detail: fmt.Sprintf(format, args...)}
	if ct := x.resp.Header.Get("Content-Type"); isHTML(ct) {
		e.Detail += " (an HTML page)"
	}
	return e
}

func isHTML(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// statusError reports a non-success status, with the server's retry hint.
func (x *exchange) statusError(retryAfter time.Duration) error {
	e := x.fail(ErrStatus, "%s", x.resp.Status).(*Error)
	e.RetryAfter = retryAfter
	return e
}

// body copies exactly n body bytes to w and checks that nothing follows.
func (x *exchange) body(n int64, w io.Writer) error {
	r := &watchedReader{r: x.resp.Body, x: x}
	got, err := io.Copy(w, io.LimitReader(r, n))
	if err == nil && got < n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		if r.err == nil && got < n && !errors.Is(err, io.ErrUnexpectedEOF) {
			return err // the writer's own error: not the server's fault
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return x.fail(ErrBadLength, "body ended after %d of %d bytes", got, n)
		}
		return x.transportError(err)
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k > 0 {
		return x.fail(ErrBadLength, "body is longer than the %d bytes asked for", n)
	}
	return nil
}

// watchedReader resets the watchdog on progress and remembers read errors,
// telling them apart from the writer's.
type watchedReader struct {
	r   io.Reader
	x   *exchange
	err error
}

func (w *watchedReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 {
		w.x.timer.Reset(w.x.c.opts.IdleTimeout)
	}
	if err != nil && err != io.EOF {
		w.err = err
	}
	return n, err
}

// getRange fetches bytes [start, start+n) of a file of fileLen bytes (BEP 19).
func (c *Client) getRange(ctx context.Context, u string, start, n, fileLen int64, w io.Writer) error {
	last := start + n - 1
	x, err := c.start(ctx, u, func(h http.Header) { h.Set("Range", fmt.Sprintf("bytes=%d-%d", start, last)) })
	if err != nil {
		return err
	}
	defer x.close()
	resp := x.resp
	switch resp.StatusCode {
	case http.StatusPartialContent:
		mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
		if mt == "multipart/byteranges" {
			return x.fail(ErrBadRange, "multipart answer to a single range")
		}
		cr := resp.Header.Get("Content-Range")
		a, b, total, ok := parseContentRange(cr)
		switch {
		case !ok:
			return x.fail(ErrBadRange, "Content-Range %q is not bytes FIRST-LAST/SIZE", cr)
		case a != start || b != last:
			return x.fail(ErrBadRange, "asked for bytes %d-%d, got %d-%d", start, last, a, b)
		case total >= 0 && total != fileLen:
			return x.fail(ErrBadRange, "the server's file is %d bytes, the torrent's %d", total, fileLen)
		case resp.ContentLength >= 0 && resp.ContentLength != n:
			return x.fail(ErrBadLength, "Content-Length %d for a range of %d bytes", resp.ContentLength, n)
		}
	case http.StatusOK:
		// A server without range support sends the whole file: usable only
		// when the whole file was asked for.
		if start != 0 || n != fileLen {
			return x.fail(ErrBadRange, "status 200 (the whole file, %d bytes) for a request of bytes %d-%d of a %d-byte file",
				resp.ContentLength, start, last, fileLen)
		}
		if resp.ContentLength >= 0 && resp.ContentLength != n {
			return x.fail(ErrBadLength, "Content-Length %d, the torrent's file is %d bytes", resp.ContentLength, fileLen)
		}
	default:
		return x.statusError(retryAfter(resp.Header.Get("Retry-After"), time.Now()))
	}
	return x.body(n, w)
}

// getPiece fetches n bytes of one piece from a BEP 17 HTTP seed.
func (c *Client) getPiece(ctx context.Context, u string, n int64, w io.Writer) error {
	x, err := c.start(ctx, u, func(http.Header) {})
	if err != nil {
		return err
	}
	defer x.close()
	resp := x.resp
	switch resp.StatusCode {
	case http.StatusOK:
		if resp.ContentLength >= 0 && resp.ContentLength != n {
			return x.fail(ErrBadLength, "Content-Length %d for %d bytes of the piece", resp.ContentLength, n)
		}
		return x.body(n, w)
	case http.StatusServiceUnavailable:
		// BEP 17: a busy seed answers 503 with the seconds to wait as the body.
		var buf [64]byte
		k, _ := io.ReadFull(resp.Body, buf[:])
		ra := retrySeconds(strings.TrimSpace(string(buf[:k])))
		if ra == 0 {
			ra = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		return x.statusError(ra)
	}
	return x.statusError(retryAfter(resp.Header.Get("Retry-After"), time.Now()))
}

// parseContentRange parses "bytes FIRST-LAST/SIZE" (SIZE may be "*", -1).
func parseContentRange(s string) (first, last, size int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(s), "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, total, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2 error
	first, err1 = strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	last, err2 = strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return 0, 0, 0, false
	}
	size = -1
	if total = strings.TrimSpace(total); total != "*" {
		n, err := strconv.ParseInt(total, 10, 64)
		if err != nil || n <= last {
			return 0, 0, 0, false
		}
		size = n
	}
	return first, last, size, true
}

// maxRetryAfter caps a server's retry hint.
const maxRetryAfter = time.Hour

// retryAfter parses a Retry-After header: delta seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if d := retrySeconds(h); d > 0 {
		return d
	}
	if t, err := http.ParseTime(h); err == nil && t.After(now) {
		return min(t.Sub(now), maxRetryAfter)
	}
	return 0
}

func retrySeconds(s string) time.Duration {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(min(n, int64(maxRetryAfter/time.Second)))*time.Second, maxRetryAfter)
}
