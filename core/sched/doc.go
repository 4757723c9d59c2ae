// Package sched is the session scheduler's policy: one owner of time and of the budgets torrents
// share, as libtorrent's session_impl tick is. It is pure: it does no I/O, starts no goroutines
// and reads no clock (every call takes now). The session's scheduler goroutine owns one
// Scheduler, feeds it what the torrents report, and acts on what Tick returns by posting to the
// torrents' inboxes.
//
// It owns:
//
//   - Due: the due-set, a heap of torrents keyed by the time their next piece of work is due.
//     Only torrents with work are in it: a paused or idle torrent costs nothing per tick, and a
//     tick over 10,000 torrents of which 100 are due touches those 100 (O(k log n)).
//   - Unchoker: the session-wide unchoke budget (unchoke_slots_limit shared by every torrent's
//     peers, libtorrent 2.0's session_impl::recalculate_unchoke_slots and choker.cpp): the
//     fixed_slots and rate_based choking algorithms, the round_robin, fastest_upload and
//     anti_leech seed choking algorithms (round robin rotates seeding slots after
//     seeding_piece_quota pieces and a minute), and the optimistic unchoke slots, handed to the
//     peers that waited longest for one.
//   - Conns: the connection budget (connections_limit) shared fairly among the torrents that
//     want peers: each torrent's cap is its max-min fair share of the limit, and the
//     connection_speed attempts of a tick go round robin to the torrents below their cap,
//     downloads first with one seed every connect_seed_every_n_download (libtorrent's
//     try_connect_more_peers).
//   - DHTAnnouncer and Trackers: announces spread over time. DHT announces go one torrent at a
//     time, round robin, every dht_announce_interval / torrents (at least a second; new
//     torrents first, within 4 s), as libtorrent's on_dht_announce; tracker announces that fall
//     due together start at most max_concurrent_http_announces at a time, the rest wait their
//     turn in due order.
//   - Scheduler: the above on one clock, with the unchoke and optimistic unchoke intervals; Tick
//     says what is due now and NextWake when the goroutine must wake next (never, for a session
//     whose torrents are all paused).
//
// It must not know about peers' connections, disk, trackers' replies or the session's types:
// the session describes peers and torrents with this package's small structs and IDs.
//
// core/choker stays the per-torrent choker (tit-for-tat with a random optimistic draw, used when
// one torrent owns its slots); libtorrent's session-wide ranking is a different algorithm
// (counters per unchoke round, round-robin quotas, a global optimistic rotation), so Unchoker
// implements it here rather than bending core/choker's.
//
// # Concurrency
//
// None of it is safe for concurrent use, and none of it needs to be: the session scheduler's
// goroutine owns the Scheduler and calls it on its tick.
package sched
