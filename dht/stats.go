package dht

import "sync/atomic"

// Stats is a snapshot of a Server's counters.
type Stats struct {
	NodeID                NodeID
	Nodes4, Nodes6        int // routing-table entries (good + questionable)
	Good4, Good6          int
	LookupsInFlight       int
	QueriesInFlight       int
	PacketsIn, PacketsOut uint64
	BytesIn, BytesOut     uint64
	Malformed             uint64 // datagrams that failed to decode
	Dropped               uint64 // well-formed but lying or unexpected; the sum of:
	DroppedUnknownTx      uint64 //   responses matching no query we sent (wrong transaction id or source)
	DroppedOwnID          uint64 //   messages claiming our own node id
	DroppedBadNodes       uint64 //   node lists or values with port 0 (or a source port 0)
	DroppedBadNodeID      uint64 //   BEP 42 violators kept out of the table (EnforceNodeID)
	DroppedBadValues      uint64 //   get_peers values that do not parse
	RateLimited           uint64 // queries dropped by the per-IP limit
	Trimmed               uint64 // replies cut to the anti-amplification limit
	QueriesIn             uint64
	ResponsesIn           uint64
	Timeouts              uint64
	InfoHashes, Peers     int // peer store
	Items                 int // BEP 44 store
}

type counters struct {
	packetsIn, packetsOut, bytesIn, bytesOut atomic.Uint64
	malformed, dropped, rateLimited, trimmed atomic.Uint64
	unknownTx, ownID, badNodes, badNodeID    atomic.Uint64
	badValues                                atomic.Uint64
	queriesIn, responsesIn, timeouts         atomic.Uint64
	lookups, inflight                        atomic.Int64
}

func (c *counters) drop(reason *atomic.Uint64) {
	reason.Add(1)
	c.dropped.Add(1)
}
