// Package webseed downloads torrent data from HTTP servers: GetRight-style
// web seeds (BEP 19, the "url-list" key), which are plain file servers asked
// for byte ranges, and Hoffman-style HTTP seeds (BEP 17, the "httpseeds"
// key), which are scripts asked for a piece by info-hash and piece index.
//
// It owns the HTTP side only: mapping a byte range of the torrent's stream
// onto file URLs (or piece requests), issuing the requests, and checking
// every response strictly (status, Content-Range, exact length) so that a
// misbehaving server produces a clear *Error rather than wrong bytes. It
// knows nothing of peers, pickers, disks or sessions; the session decides
// what to fetch and verifies the pieces.
//
// # Concurrency
//
// A Client is safe for concurrent use: each Fetch is one goroutine's
// sequence of requests, and several Fetches run in parallel over the
// Client's keep-alive connection pool. Fetch writes the data to the
// caller's io.Writer on the calling goroutine, in stream order. A Backoff is
// plain data owned by its caller.
//
// # Failures
//
// Anything but the exact bytes asked for is an error: a non-2xx status
// (ErrStatus, with the server's retry hint for 503), a 200 for a partial
// range or a 206 for another range (ErrBadRange), a body of the wrong
// length (ErrBadLength), too many redirects (ErrRedirects), no progress
// within Options.IdleTimeout (ErrTimeout), or a transport error. Wrong bytes
// of the right length are caught by the session's hash check.
package webseed
