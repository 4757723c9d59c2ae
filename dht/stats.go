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
	Dropped               uint64 // well-formed but lying or unexpected: unknown transaction, our own id, port-0 nodes, bad BEP 42 ids
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
	queriesIn, responsesIn, timeouts         atomic.Uint64
	lookups, inflight                        atomic.Int64
}
