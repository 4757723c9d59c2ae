package queue

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// positions lists the queue positions of ids 1..n (NoPosition for those not queued).
func positions(q *Queue, n int) []Position {
	out := make([]Position, n)
	for i := range out {
		out[i] = q.Position(ID(i + 1))
	}
	return out
}

func queueOf(n int) *Queue {
	q := New(nil)
	for i := 1; i <= n; i++ {
		q.Enqueue(ID(i))
	}
	return q
}

// The same moves on libtorrent 2.0.8 (python binding, six downloading torrents f0..f5, then
// queue_position_top(f2), queue_position_bottom(f2), remove_torrent(f1)) gave
// [1 2 0 3 4 5], [0 1 5 2 3 4] and [0 4 1 2 3].
func TestQueueMovesAsLibtorrent208Did(t *testing.T) {
	q := queueOf(6)
	require.NoError(t, q.Top(3))
	require.Equal(t, []Position{1, 2, 0, 3, 4, 5}, positions(q, 6))
	require.NoError(t, q.Bottom(3))
	require.Equal(t, []Position{0, 1, 5, 2, 3, 4}, positions(q, 6))
	require.True(t, q.Remove(2))
	require.Equal(t, []Position{0, NoPosition, 4, 1, 2, 3}, positions(q, 6))
}

// session_impl::set_queue_position and torrent::queue_up / queue_down / set_queue_position.
func TestQueueSetMirrorsLibtorrent(t *testing.T) {
	cases := []struct {
		name string
		op   func(q *Queue) error
		want []Position // ids 1..5, which start at 0..4
		err  error
	}{
		{"set moves up, the ones between shift down", func(q *Queue) error { return q.Set(4, 1) }, []Position{0, 2, 3, 1, 4}, nil},
		{"set moves down, the ones between shift up", func(q *Queue) error { return q.Set(2, 3) }, []Position{0, 3, 1, 2, 4}, nil},
		{"a position past the end clamps to the last", func(q *Queue) error { return q.Set(1, 100) }, []Position{4, 0, 1, 2, 3}, nil},
		{"LastPosition is the end", func(q *Queue) error { return q.Set(3, LastPosition) }, []Position{0, 1, 4, 2, 3}, nil},
		{"set to its own place changes nothing", func(q *Queue) error { return q.Set(3, 2) }, []Position{0, 1, 2, 3, 4}, nil},
		{"a negative position is refused", func(q *Queue) error { return q.Set(3, -1) }, []Position{0, 1, 2, 3, 4}, ErrNegativePosition},
		{"up", func(q *Queue) error { return q.Up(3) }, []Position{0, 2, 1, 3, 4}, nil},
		{"up on the first stays first", func(q *Queue) error { return q.Up(1) }, []Position{0, 1, 2, 3, 4}, nil},
		{"down", func(q *Queue) error { return q.Down(3) }, []Position{0, 1, 3, 2, 4}, nil},
		{"down on the last stays last", func(q *Queue) error { return q.Down(5) }, []Position{0, 1, 2, 3, 4}, nil},
		{"top", func(q *Queue) error { return q.Top(5) }, []Position{1, 2, 3, 4, 0}, nil},
		{"bottom", func(q *Queue) error { return q.Bottom(1) }, []Position{4, 0, 1, 2, 3}, nil},
		{"a torrent not queued (finished) cannot move", func(q *Queue) error { return q.Top(9) }, []Position{0, 1, 2, 3, 4}, ErrNotQueued},
		{"nor up", func(q *Queue) error { return q.Up(9) }, []Position{0, 1, 2, 3, 4}, ErrNotQueued},
		{"nor down", func(q *Queue) error { return q.Down(9) }, []Position{0, 1, 2, 3, 4}, ErrNotQueued},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := queueOf(5)
			err := c.op(q)
			if c.err != nil {
				require.ErrorIs(t, err, c.err)
			} else {
				require.NoError(t, err)
			}
			require.Equal(t, c.want, positions(q, 5))
		})
	}
}

// torrent::finished sets no_pos; resume_download (files re-prioritised) and force_recheck
// put the torrent back at last_pos.
func TestQueueFinishedTorrentsLeaveAndReturnAtTheEnd(t *testing.T) {
	q := queueOf(4)
	require.True(t, q.Remove(2)) // finished
	require.Equal(t, []Position{0, NoPosition, 1, 2}, positions(q, 4))
	require.False(t, q.Remove(2))
	require.Equal(t, Position(3), q.Enqueue(2)) // downloading again
	require.Equal(t, []Position{0, 3, 1, 2}, positions(q, 4))
	require.Equal(t, Position(3), q.Enqueue(2), "already queued: keeps its place")
	id, ok := q.At(1)
	require.True(t, ok)
	require.Equal(t, ID(3), id)
	_, ok = q.At(4)
	require.False(t, ok)
	require.Equal(t, []ID{1, 3, 4, 2}, q.Order())
}

// set_queue_position_impl calls state_updated() on every torrent whose position changes; the
// onMove hook is how the session learns them.
func TestQueueReportsEveryTorrentThatMoved(t *testing.T) {
	moved := map[ID]Position{}
	q := New(func(id ID, p Position) { moved[id] = p })
	for i := 1; i <= 5; i++ {
		q.Enqueue(ID(i))
	}
	clear(moved)
	require.NoError(t, q.Set(4, 1))
	require.Equal(t, map[ID]Position{4: 1, 2: 2, 3: 3}, moved)
	clear(moved)
	q.Remove(1)
	require.Equal(t, map[ID]Position{1: NoPosition, 4: 0, 2: 1, 3: 2, 5: 3}, moved)
	clear(moved)
	require.NoError(t, q.Set(5, 3))
	require.Empty(t, moved)
}

// A random mix of adds, removals, finishes and moves keeps the positions a dense permutation,
// agrees with a plain list model, and the onMove reports alone rebuild every position.
func TestQueueStaysDenseUnderRandomOperations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops := make([]byte, 8000)
	for i := range ops {
		ops[i] = byte(rng.UintN(256))
	}
	checkQueueOps(t, ops)
}

func FuzzQueueOps(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{0, 0, 0, 0, 0x21, 0x42, 0x63, 0x84, 0xa5, 0xc6, 0xe7, 0x08})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 4096 {
			ops = ops[:4096] // bounds time and memory: at most 2048 torrents
		}
		checkQueueOps(t, ops)
	})
}

// checkQueueOps reads ops two bytes at a time (operation, torrent or position) and checks the
// queue against a model after each step.
func checkQueueOps(t *testing.T, ops []byte) {
	t.Helper()
	shadow := map[ID]Position{} // rebuilt from onMove alone
	q := New(func(id ID, p Position) {
		if p == NoPosition {
			delete(shadow, id)
		} else {
			shadow[id] = p
		}
	})
	var model []ID // the queue as a plain list
	next := ID(1)
	indexOf := func(id ID) int {
		for i, x := range model {
			if x == id {
				return i
			}
		}
		return -1
	}
	moveTo := func(id ID, p int) {
		i := indexOf(id)
		model = append(model[:i], model[i+1:]...)
		p = min(p, len(model))
		model = append(model[:p], append([]ID{id}, model[p:]...)...)
	}
	for i := 0; i+1 < len(ops); i += 2 {
		op, arg := ops[i]%8, int(ops[i+1])
		// the torrent named by arg: one of the queued, or one never queued
		var id ID = 1 << 40
		if len(model) > 0 && arg < 250 {
			id = model[arg%len(model)]
		}
		queued := indexOf(id) >= 0
		switch op {
		case 0, 1: // add
			q.Enqueue(next)
			model = append(model, next)
			next++
		case 2: // remove or finish
			require.Equal(t, queued, q.Remove(id))
			if queued {
				model = append(model[:indexOf(id)], model[indexOf(id)+1:]...)
			}
		case 3: // set, possibly past the end
			p := Position(arg * len(model) / 128)
			err := q.Set(id, p)
			if queued {
				require.NoError(t, err)
				moveTo(id, int(p))
			} else {
				require.ErrorIs(t, err, ErrNotQueued)
			}
		case 4:
			if err := q.Up(id); queued {
				require.NoError(t, err)
				moveTo(id, max(indexOf(id)-1, 0))
			}
		case 5:
			if err := q.Down(id); queued {
				require.NoError(t, err)
				moveTo(id, indexOf(id)+1)
			}
		case 6:
			if err := q.Top(id); queued {
				require.NoError(t, err)
				moveTo(id, 0)
			}
		case 7:
			if err := q.Bottom(id); queued {
				require.NoError(t, err)
				moveTo(id, len(model))
			}
		}
		if q.Len() != len(model) || len(shadow) != len(model) {
			t.Fatalf("op %d: %d queued, model %d, onMove %d", i/2, q.Len(), len(model), len(shadow))
		}
		for p, id := range model {
			if q.Position(id) != Position(p) || shadow[id] != Position(p) {
				t.Fatalf("op %d: torrent %d at %d, onMove says %d, model %d", i/2, id, q.Position(id), shadow[id], p)
			}
		}
	}
}

// A queue that once held 10,000 torrents gives their slots back as they leave (issue 10:
// removing torrents returns memory), and stays correct across the copies.
func TestQueueGivesBackItsSlotsAsTorrentsLeave(t *testing.T) {
	q := queueOf(10_000)
	for i := 1; i <= 9_990; i++ {
		require.True(t, q.Remove(ID(i)))
	}
	require.Equal(t, 10, q.Len())
	require.Less(t, cap(q.order), 100, "the order keeps no room for the torrents that left")
	require.Less(t, q.peak, 100, "the position map was copied to its current size")
	for i := 9_991; i <= 10_000; i++ {
		require.Equal(t, Position(i-9_991), q.Position(ID(i)))
	}
}
