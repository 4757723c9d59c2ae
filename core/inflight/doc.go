// Package inflight keeps the blocks we requested from one peer and have not received, and
// decides when that peer has kept us waiting too long, as libtorrent does with piece_timeout
// and request_timeout.
//
// A request is live from Add until its block arrives (Received), it is withdrawn (Cancel,
// Clear) or rejected (Rejected), or it times out (TimeOut). A timed-out request is no longer
// live (the caller gives the block back to its picker, so another peer, or this one again, may
// be asked), but it is remembered for a while: a late block is still accepted, and asking this
// peer for the block again first cancels the old request (Add reports it). Blocks we cancelled
// are remembered too, so a reject that answers the cancel is not mistaken for a reject of a
// later request for the same block.
//
// Timeouts (Expired), checked about once a second:
//   - piece_timeout: live requests and nothing received or requested for that long;
//   - request_timeout: the next block has not come for longer than the peer usually takes
//     (mean + 4 deviations of its recent request times, as libtorrent), never more than the
//     setting and never less than 2 s.
//
// Bounds: live requests are bounded by the caller's pipeline (max_out_request_queue); timed
// out and cancelled entries are forgotten after Forget's age, and at most MaxRemembered of each
// are kept.
//
// # Concurrency
//
// A Requests belongs to one goroutine (the torrent's); it is not safe for concurrent use. It
// does no I/O and never calls out.
package inflight
