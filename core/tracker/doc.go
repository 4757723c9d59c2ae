// Package tracker implements BitTorrent announce clients and the pieces a
// session needs to drive them:
//
//   - HTTP(S) announces (BEP 3, BEP 23 compact peers, BEP 7 IPv6 peers6),
//     with ParseHTTPResponse for the bencoded reply;
//   - UDP announces (BEP 15) through shared sockets (core/udpmux: one per
//     listen address, Client.UDP, never one per announce), with connection ids
//     cached per socket and tracker endpoint for udp_tracker_token_expiry
//     (60 s) after receipt and one connect shared by concurrent announces,
//     random transaction ids checked by the mux (with the reply's source
//     address), and BEP 15's 15·2^n s retransmissions capped at
//     tracker_receive_timeout (10 s) per attempt as in libtorrent; with
//     ParseUDPConnectResponse and ParseUDPAnnounceResponse for the replies;
//   - multitracker tiers (BEP 12) in Tiers; announce timing for one tracker
//     in Schedule (its interval and min interval, never below libtorrent's
//     min_announce_interval, and libtorrent's back-off after failures,
//     BEP 31 "retry in" honoured); Rotation combines them for a torrent,
//     one Schedule per tracker.
//
// The package knows nothing about torrents beyond an AnnounceRequest: it
// does not read metainfo, own peers or keep state between announces except
// the UDP connection-id cache. It owns no socket except, for trackers none of
// Client.UDP reaches, one of its own per address family, closed by Close.
//
// Concurrency: a Client is safe for concurrent use by many goroutines; each
// Announce call blocks its caller, waiting on its transaction's reply channel
// (UDP; the mux's reader goroutine delivers it) or on the shared *http.Client
// (HTTP). The shared mutable state is the UDP connection-id cache (with the
// connects in flight) and the client's own sockets, guarded by a mutex that
// is never held across I/O.
// Tiers, Schedule and Rotation are plain values owned by one goroutine (the torrent's);
// they do no I/O and take the current time as an argument.
//
// Errors from Announce are *Error values carrying the tracker URL; use
// errors.As to find a *FailureError (the tracker answered with a failure
// reason or a BEP 15 error action) and errors.Is with ErrMalformedResponse,
// ErrTimeout or ErrUnsupportedScheme for the other classes. Anything else is
// a network or transport error.
package tracker
