package session

import (
	"sync/atomic"
	"time"
)

// rateMeter measures bytes/s over a sliding window of one-second slots. add is safe from any
// goroutine; tick and rate belong to the owning torrent goroutine.
type rateMeter struct {
	pending atomic.Int64 // bytes since the last tick
	total   atomic.Int64
	slots   [5]int64
	slot    int
	last    time.Time
	current int64
}

func (r *rateMeter) add(n int) {
	r.pending.Add(int64(n))
	r.total.Add(int64(n))
}

// tick closes the current slot; call about once a second.
func (r *rateMeter) tick(now time.Time) {
	n := r.pending.Swap(0)
	elapsed := now.Sub(r.last)
	if r.last.IsZero() || elapsed <= 0 {
		elapsed = time.Second
	}
	r.last = now
	// Normalise the slot to one second so irregular ticks don't skew the rate.
	r.slots[r.slot] = int64(float64(n) / elapsed.Seconds())
	r.slot = (r.slot + 1) % len(r.slots)
	// Weight recent slots: the newest two slots dominate so the rate reacts within ~2 s.
	var sum int64
	for _, v := range r.slots {
		sum += v
	}
	newest := r.slots[(r.slot+len(r.slots)-1)%len(r.slots)]
	r.current = (sum/int64(len(r.slots)) + newest) / 2
}

func (r *rateMeter) rate() int64 { return r.current }
