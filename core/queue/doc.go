// Package queue is libtorrent's queueing (libtorrent 2.0: session_impl.cpp
// recalculate_auto_managed_torrents, torrent.cpp seed_rank and is_inactive) as pure policy: it
// decides which auto-managed torrents run, check or wait, and keeps the download queue's order.
// The session scheduler wires it in; this package does no I/O, starts no goroutines and reads
// no clock (time is passed in).
//
// It owns:
//
//   - Queue: the download queue (libtorrent's m_download_queue). Every downloading torrent has
//     a place 0..n-1 with no gaps; finished and seeding torrents have NoPosition. Set, Up,
//     Down, Top and Bottom move a torrent as libtorrent's queue_position_* calls do (a place
//     past the end clamps to the last one).
//   - Planner.Plan: one queue pass over a snapshot of the torrents ([]Torrent) under Settings.
//     It returns a Decision: actions (resume, pause, announce changes) for the torrents whose
//     state must change, and the torrent_resumed / torrent_paused alerts libtorrent raises for
//     them, each with the limit that decided it.
//   - SeedRank: the order in which finished torrents keep their seeding slots, and where the
//     seed limits (share_ratio_limit, seed_time_ratio_limit, seed_time_limit) take effect: a
//     seed that met one loses priority; nothing is paused for it (libtorrent 2.0 has no stop
//     action for seed limits).
//   - Activity: a torrent's slow flag for dont_count_slow_torrents, filtered over
//     auto_manage_startup as libtorrent does.
//   - Cadence: when a pass is due (auto_manage_interval and trigger_auto_manage).
//   - Settings and Table: the queueing settings with libtorrent's names and defaults.
//
// It must not know about peers, disk, or the session's types: the session translates its
// torrents into Torrent snapshots and applies the Decision.
//
// # Concurrency
//
// None of it is safe for concurrent use, and none of it needs to be: the session scheduler's
// goroutine owns the Queue, the Planner, the Cadence and every torrent's Activity, and calls
// them on its tick.
package queue
