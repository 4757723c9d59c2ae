// Package rate measures and limits byte rates: Meter, a sliding-window bytes/s meter of one
// peer or torrent, and Limiter, a token bucket shared by the connections of a session. No
// goroutines; Limiter.Wait blocks its caller (a socket goroutine, never a torrent's).
package rate

import (
	"sync/atomic"
	"time"
)

// Meter measures bytes/s over a sliding window of one-second slots. Add and Total are safe from
// any goroutine; Tick and Rate belong to the owner's goroutine.
type Meter struct {
	pending atomic.Int64 // bytes since the last tick
	total   atomic.Int64
	slots   [5]int64
	slot    int
	last    time.Time
	current int64
}

// Add counts n bytes.
func (r *Meter) Add(n int) {
	r.pending.Add(int64(n))
	r.total.Add(int64(n))
}

// Tick closes the current slot; call about once a second.
func (r *Meter) Tick(now time.Time) {
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

// Rate is bytes/s as of the last Tick.
func (r *Meter) Rate() int64 { return r.current }

// Total is every byte counted.
func (r *Meter) Total() int64 { return r.total.Load() }
