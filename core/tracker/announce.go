package tracker

import (
	"net/netip"
	"time"
)

// AnnounceRequest is everything a tracker is told in one announce.
type AnnounceRequest struct {
	InfoHash   [20]byte
	PeerID     [20]byte
	Port       uint16
	Uploaded   int64
	Downloaded int64
	Left       int64
	Event      Event
	// NumWant is the number of peers wanted; negative means "tracker's
	// default" and is not sent over HTTP (-1 over UDP).
	NumWant int
	// Key identifies this client across IP changes (sent as 8 hex digits
	// over HTTP, raw over UDP).
	Key uint32
	// TrackerID is echoed back to HTTP trackers that sent one.
	TrackerID string
}

// AnnounceResponse is a successful tracker reply.
type AnnounceResponse struct {
	// Interval is how long to wait before the next regular announce; zero
	// when the tracker gave none.
	Interval time.Duration
	// MinInterval is the minimum time between announces; zero when none was
	// given.
	MinInterval time.Duration
	// Peers holds IPv4 and IPv6 peers, in tracker order, without port-0
	// entries.
	Peers []netip.AddrPort
	// Seeders and Leechers are -1 when the tracker did not say.
	Seeders  int
	Leechers int
	// TrackerID, if non-empty, must be sent back in later HTTP announces.
	TrackerID string
	// Warning is the tracker's "warning message", if any.
	Warning string
}
