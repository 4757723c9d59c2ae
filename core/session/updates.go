package session

import (
	"fmt"
	"sync"

	"github.com/libbt/libbt/core/shrink"
)

// Batched status, libtorrent's post_torrent_updates: a client showing thousands of torrents
// asks once for the ones whose status changed instead of polling each. A torrent marks itself
// when a published snapshot differs from the one before (publish in loop.go, on its own
// goroutine), so the call costs O(changed torrents), no round trip to any torrent goroutine,
// and paused or idle torrents cost nothing.

// TorrentUpdate is one torrent's status in a batch of updates.
type TorrentUpdate struct {
	Torrent *Torrent
	Status  Status
}

// updateSet holds the torrents whose status changed since the last batch was taken: at most
// one entry per torrent in the session (removal deletes it).
type updateSet struct {
	mu      sync.Mutex
	pending map[*Torrent]struct{}
	peak    int // the most entries pending has held (see shrink.Delete)
}

func (u *updateSet) mark(t *Torrent) {
	u.mu.Lock()
	if u.pending == nil {
		u.pending = map[*Torrent]struct{}{}
	}
	u.pending[t] = struct{}{}
	u.mu.Unlock()
}

func (u *updateSet) forget(t *Torrent) {
	u.mu.Lock()
	u.pending = shrink.Delete(u.pending, &u.peak, t)
	u.mu.Unlock()
}

// TorrentUpdates returns the status of every torrent whose status changed since the previous
// call (the first call: every torrent), each as last published by its goroutine (at most a
// second old; Torrent.Status asks for a fresh one). Rates change while a torrent transfers, so
// a busy torrent is in most batches; a paused one only when something about it changed. Like
// libtorrent's post_torrent_updates it serves one consumer: two callers split the changes.
func (s *Session) TorrentUpdates() []TorrentUpdate {
	out, _ := s.TorrentUpdatesUpTo(-1)
	return out
}

// TorrentUpdatesUpTo is TorrentUpdates for a caller with room for limit updates (negative:
// any number). When more than limit are pending it takes none and returns nil and the number
// pending, so a caller with a fixed buffer can grow it and ask again without losing any.
func (s *Session) TorrentUpdatesUpTo(limit int) ([]TorrentUpdate, int) {
	u := &s.updates
	u.mu.Lock()
	n := len(u.pending)
	if limit >= 0 && n > limit {
		u.mu.Unlock()
		return nil, n
	}
	taken := make([]*Torrent, 0, n)
	for t := range u.pending {
		taken = append(taken, t)
	}
	u.pending, u.peak = nil, 0 // not clear(): a cleared map keeps the buckets of its largest batch
	u.mu.Unlock()
	// A torrent publishing from here on marks itself again: it is in this batch with the
	// snapshot loaded below and, if that was older, in the next one too. One removed while it
	// was being added may have marked itself after its removal: it is left out.
	out := make([]TorrentUpdate, 0, len(taken))
	s.mu.Lock()
	for _, t := range taken {
		if s.torrents[t.infoHash] == t {
			out = append(out, TorrentUpdate{Torrent: t, Status: *t.snapshot.Load()})
		}
	}
	s.mu.Unlock()
	return out, len(out)
}

// statusChanged reports whether a client showing a would show something else for b.
func statusChanged(a, b *Status) bool {
	if a == nil || b == nil {
		return a != b
	}
	x, y := *a, *b
	x.Err, y.Err = nil, nil
	return x != y || fmt.Sprint(a.Err) != fmt.Sprint(b.Err)
}
