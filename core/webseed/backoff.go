package webseed

import "time"

// Backoff spaces out retries of a failing web seed: Initial after the first
// failure, doubling up to Max, or longer when the server asked for it. The
// zero value uses DefaultBackoffInitial and DefaultBackoffMax. It is plain
// data, owned by one goroutine.
type Backoff struct {
	Initial, Max time.Duration
	failures     int
}

// Defaults for Backoff, as libtorrent's urlseed_wait_retry (30 s).
const (
	DefaultBackoffInitial = 30 * time.Second
	DefaultBackoffMax     = 30 * time.Minute
)

// Fail records a failure and returns how long to wait before the next try:
// Initial * 2^(failures-1), capped at Max, but never less than retryAfter
// (the server's own hint, itself capped at Max).
func (b *Backoff) Fail(retryAfter time.Duration) time.Duration {
	initial, limit := b.Initial, b.Max
	if initial <= 0 {
		initial = DefaultBackoffInitial
	}
	if limit <= 0 {
		limit = DefaultBackoffMax
	}
	d := initial
	for i := 0; i < b.failures && d < limit; i++ {
		d *= 2
	}
	b.failures++
	d = max(d, retryAfter)
	return min(d, max(limit, initial))
}

// Success forgets past failures.
func (b *Backoff) Success() { b.failures = 0 }

// Failures returns the number of failures since the last success.
func (b *Backoff) Failures() int { return b.failures }
