package rate

import (
	"sync"
	"time"
)

// Limiter is a token bucket shared by all peers of a session, one per direction. A limit of
// 0 means unlimited. Wait blocks the calling socket goroutine (never the torrent goroutine), so
// a throttled peer simply stops being read or written, and TCP pushes back on the other side.
type Limiter struct {
	mu     sync.Mutex
	limit  int64 // bytes per second; 0 = unlimited
	tokens float64
	last   time.Time
}

// SetLimit sets the limit in bytes per second (0: unlimited).
func (r *Limiter) SetLimit(bytesPerSecond int64) {
	r.mu.Lock()
	r.limit = bytesPerSecond
	r.mu.Unlock()
}

// Wait takes n bytes' worth of tokens, sleeping until they are available. stop aborts the wait.
func (r *Limiter) Wait(n int, stop <-chan struct{}) {
	for {
		r.mu.Lock()
		if r.limit <= 0 {
			r.mu.Unlock()
			return
		}
		now := time.Now()
		if r.last.IsZero() {
			r.last = now
		}
		r.tokens += now.Sub(r.last).Seconds() * float64(r.limit)
		r.last = now
		// Allow a burst of a quarter second so small limits still move whole blocks.
		if burst := float64(r.limit) / 4; r.tokens > burst {
			r.tokens = max(burst, float64(n))
		}
		if r.tokens >= float64(n) {
			r.tokens -= float64(n)
			r.mu.Unlock()
			return
		}
		need := (float64(n) - r.tokens) / float64(r.limit)
		r.mu.Unlock()
		select {
		case <-time.After(time.Duration(need * float64(time.Second))):
		case <-stop:
			return
		}
	}
}
