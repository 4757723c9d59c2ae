// Package dht implements a Mainline DHT node (BEP 5) with IPv6 (BEP 32),
// node-id restriction (BEP 42), read-only mode (BEP 43), arbitrary data
// items (BEP 44) and infohash sampling (BEP 51). The wire format lives in
// dht/krpc.
//
// A Server reads and writes one UDP socket per address family (its own,
// Config.Addrs, or a view of a socket shared with UDP trackers and uTP,
// Config.Conns: see core/udpmux) and keeps one routing
// table per address family. It answers queries (ping, find_node,
// get_peers, announce_peer, get, put, sample_infohashes) and runs
// iterative lookups for its callers (GetPeers, Announce, FindNode, Get,
// Put, Bootstrap).
//
// Concurrency model: one reader goroutine per socket decodes datagrams,
// answers queries and hands responses to the waiting caller through the
// transaction table; one maintenance goroutine rotates token secrets,
// expires stored peers and items, pings questionable nodes and refreshes
// stale buckets. All mutable state (routing tables, transactions, peer and
// item stores, token secrets, rate limiter) is guarded by Server.mu, which
// is never held while sending, waiting or calling a user callback. Lookups
// run on the caller's goroutine plus one short-lived goroutine per query in
// flight. Counters are atomics.
//
// Defaults are safe for a library: no bootstrap routers (Config.Bootstrap
// is empty unless the user sets it), per-IP query rate limits, bounded
// peer and item stores, and no reply to an unverified address is more than
// three times the size of its query (the anti-amplification factor QUIC
// uses); nodes and values are trimmed to fit.
package dht
