// Package tracker implements BitTorrent announce clients and the pieces a
// session needs to drive them:
//
//   - HTTP(S) announces (BEP 3, BEP 23 compact peers, BEP 7 IPv6 peers6),
//     with ParseHTTPResponse for the bencoded reply;
//   - UDP announces (BEP 15) with connection-id caching, transaction-id
//     checks and the 15·2^n s retry schedule (base configurable), with
//     ParseUDPConnectResponse and ParseUDPAnnounceResponse for the replies;
//   - multitracker tiers (BEP 12) in Tiers; announce timing for one tracker
//     in Schedule (its interval and min interval, never below libtorrent's
//     min_announce_interval, and libtorrent's back-off after failures,
//     BEP 31 "retry in" honoured); Rotation combines them for a torrent,
//     one Schedule per tracker.
//
// The package knows nothing about torrents beyond an AnnounceRequest: it
// does not read metainfo, own peers or keep state between announces except
// the UDP connection-id cache.
//
// Concurrency: a Client is safe for concurrent use by many goroutines; each
// Announce call blocks its caller and uses its own socket (UDP) or the
// shared *http.Client (HTTP). The only shared mutable state is the UDP
// connection-id cache, guarded by a mutex that is never held across I/O.
// Tiers, Schedule and Rotation are plain values owned by one goroutine (the torrent's);
// they do no I/O and take the current time as an argument.
//
// Errors from Announce are *Error values carrying the tracker URL; use
// errors.As to find a *FailureError (the tracker answered with a failure
// reason or a BEP 15 error action) and errors.Is with ErrMalformedResponse,
// ErrTimeout or ErrUnsupportedScheme for the other classes. Anything else is
// a network or transport error.
package tracker
