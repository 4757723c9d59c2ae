package queue

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/libbt/libbt/core/shrink"
)

var (
	// ErrNotQueued: the torrent has no queue position (finished, seeding or unknown); as in
	// libtorrent, finished torrents cannot be moved.
	ErrNotQueued = errors.New("torrent is not in the download queue")
	// ErrNegativePosition: a position below 0 was asked for (libtorrent ignores the call).
	ErrNegativePosition = errors.New("queue position is negative")
)

// LastPosition asks for the end of the queue (libtorrent's last_pos); any position past the end
// clamps to it.
const LastPosition Position = math.MaxInt

// Queue is the download queue, libtorrent's session_impl::m_download_queue: every torrent that
// is downloading (auto-managed or not) in order, positions 0..Len()-1 with no gaps. A torrent
// joins at the end when added or when it goes back to downloading, and leaves when it finishes
// or is removed; the torrents behind it move up.
//
// onMove, if set, is called for every torrent whose position changes (with NoPosition when it
// leaves), on the caller's goroutine before the method returns: libtorrent marks each such
// torrent's status updated. Not safe for concurrent use; the session scheduler owns it.
//
// Memory: 8 bytes per queued torrent in the order, plus one map entry.
type Queue struct {
	order  []ID
	pos    map[ID]Position
	peak   int // the most entries pos has held (see shrink.Delete)
	onMove func(ID, Position)
}

// New returns an empty queue.
func New(onMove func(ID, Position)) *Queue {
	return &Queue{pos: map[ID]Position{}, onMove: onMove}
}

// Len is the number of queued (downloading) torrents.
func (q *Queue) Len() int { return len(q.order) }

// Position returns a torrent's place, or NoPosition if it is not queued.
func (q *Queue) Position(id ID) Position {
	if p, ok := q.pos[id]; ok {
		return p
	}
	return NoPosition
}

// At returns the torrent at p.
func (q *Queue) At(p Position) (ID, bool) {
	if p < 0 || int(p) >= len(q.order) {
		return 0, false
	}
	return q.order[p], true
}

// Order returns the queued torrents, first to last. The slice is the queue's own: read only,
// valid until the next change.
func (q *Queue) Order() []ID { return q.order }

// Enqueue puts a torrent that is not queued at the end (added, rechecked, or downloading again
// after files were re-prioritised: libtorrent's set_queue_position(last_pos)). A queued torrent
// keeps its place. It returns the torrent's position.
func (q *Queue) Enqueue(id ID) Position {
	if p, ok := q.pos[id]; ok {
		return p
	}
	p := Position(len(q.order))
	q.order = append(q.order, id)
	q.set(id, p)
	return p
}

// Remove takes a torrent out of the queue (finished, or removed from the session: libtorrent's
// set_queue_position(no_pos)); the ones behind move up. It reports whether it was queued.
func (q *Queue) Remove(id ID) bool {
	cur, ok := q.pos[id]
	if !ok {
		return false
	}
	copy(q.order[cur:], q.order[cur+1:])
	q.order = q.order[:len(q.order)-1]
	if len(q.order) < cap(q.order)/4 { // give back what 10,000 removed torrents held
		q.order = slices.Clone(q.order)
	}
	q.pos = shrink.Delete(q.pos, &q.peak, id)
	if q.onMove != nil {
		q.onMove(id, NoPosition)
	}
	q.renumber(cur, Position(len(q.order)-1))
	return true
}

// Set moves a queued torrent to p (libtorrent's queue_position_set). The torrents in between
// shift by one; a p past the end puts it last. A negative p or a torrent not queued is an
// error and changes nothing.
func (q *Queue) Set(id ID, p Position) error {
	if p < 0 {
		return fmt.Errorf("%w: %d", ErrNegativePosition, p)
	}
	cur, ok := q.pos[id]
	if !ok {
		return fmt.Errorf("%w: torrent %d", ErrNotQueued, id)
	}
	p = min(p, Position(len(q.order)-1))
	switch {
	case p < cur:
		copy(q.order[p+1:cur+1], q.order[p:cur])
		q.order[p] = id
		q.renumber(p, cur)
	case p > cur:
		copy(q.order[cur:p], q.order[cur+1:p+1])
		q.order[p] = id
		q.renumber(cur, p)
	}
	return nil
}

// Up moves a torrent one place toward the front (queue_position_up); the first stays first.
func (q *Queue) Up(id ID) error {
	cur, ok := q.pos[id]
	if !ok {
		return fmt.Errorf("%w: torrent %d", ErrNotQueued, id)
	}
	return q.Set(id, max(cur-1, 0))
}

// Down moves a torrent one place toward the back (queue_position_down); the last stays last.
func (q *Queue) Down(id ID) error {
	cur, ok := q.pos[id]
	if !ok {
		return fmt.Errorf("%w: torrent %d", ErrNotQueued, id)
	}
	return q.Set(id, cur+1)
}

// Top moves a torrent to the front (queue_position_top).
func (q *Queue) Top(id ID) error { return q.Set(id, 0) }

// Bottom moves a torrent to the back (queue_position_bottom).
func (q *Queue) Bottom(id ID) error { return q.Set(id, LastPosition) }

// renumber records the positions of order[lo..hi] after they moved.
func (q *Queue) renumber(lo, hi Position) {
	for p := lo; p <= hi; p++ {
		q.set(q.order[p], p)
	}
}

func (q *Queue) set(id ID, p Position) {
	if old, ok := q.pos[id]; ok && old == p {
		return
	}
	q.pos[id] = p
	if q.onMove != nil {
		q.onMove(id, p)
	}
}
