package tracker

import "time"

// Defaults used by Schedule when its fields are zero.
const (
	DefaultInterval    = 30 * time.Minute
	DefaultMinInterval = 1 * time.Minute
	DefaultBackoffBase = 15 * time.Second
	DefaultBackoffMax  = 1 * time.Hour
)

// Schedule decides when to announce next to one tracker (or one tier): the
// tracker's interval after a success, exponential back-off after failures,
// and the min interval as a floor for manual re-announces. It does no I/O,
// takes the time as an argument and is owned by one goroutine. The zero
// value uses the Default* constants.
type Schedule struct {
	// DefaultInterval is used when the tracker gives no interval.
	DefaultInterval time.Duration
	// MinInterval is the floor applied to the tracker's interval and to
	// manual re-announces when the tracker gives no min interval.
	MinInterval time.Duration
	// BackoffBase is the delay after the first failure; each further
	// consecutive failure doubles it, up to BackoffMax.
	BackoffBase time.Duration
	BackoffMax  time.Duration

	failures    int
	last        time.Time     // time of the last announce attempt
	next        time.Time     // when the next regular announce is due
	minInterval time.Duration // tracker's min interval, or the floor
}

// Succeeded records a successful reply at now and returns when the next
// regular announce is due: now + the tracker's interval (or
// DefaultInterval), never sooner than the min interval.
func (s *Schedule) Succeeded(now time.Time, resp *AnnounceResponse) time.Time {
	s.failures = 0
	s.last = now
	interval := orDefault(s.DefaultInterval, DefaultInterval)
	s.minInterval = orDefault(s.MinInterval, DefaultMinInterval)
	if resp != nil {
		if resp.Interval > 0 {
			interval = resp.Interval
		}
		if resp.MinInterval > 0 {
			s.minInterval = resp.MinInterval
		}
	}
	s.next = now.Add(max(interval, s.minInterval))
	return s.next
}

// Failed records a failed announce at now and returns when to retry:
// BackoffBase * 2^(failures-1), capped at BackoffMax.
func (s *Schedule) Failed(now time.Time) time.Time {
	s.failures++
	s.last = now
	s.next = now.Add(s.Backoff())
	return s.next
}

// Backoff returns the current retry delay for the number of consecutive
// failures recorded (zero when the last announce succeeded).
func (s *Schedule) Backoff() time.Duration {
	if s.failures == 0 {
		return 0
	}
	base := orDefault(s.BackoffBase, DefaultBackoffBase)
	maxDelay := orDefault(s.BackoffMax, DefaultBackoffMax)
	d := base
	for i := 1; i < s.failures && d < maxDelay; i++ {
		d *= 2
	}
	return min(d, maxDelay)
}

// Failures returns the number of consecutive failures.
func (s *Schedule) Failures() int { return s.failures }

// Next returns when the next regular announce is due (the zero time before
// any announce: announce at once).
func (s *Schedule) Next() time.Time { return s.next }

// Due reports whether a regular announce is due at now.
func (s *Schedule) Due(now time.Time) bool { return !now.Before(s.next) }

// EarliestManual returns the earliest time a user-requested (forced)
// re-announce may be sent: the last attempt plus the min interval, or the
// zero time before any announce or after a failure.
func (s *Schedule) EarliestManual() time.Time {
	if s.last.IsZero() || s.failures > 0 {
		return time.Time{}
	}
	return s.last.Add(s.minInterval)
}

// Reset forgets all history, e.g. when a torrent is restarted.
func (s *Schedule) Reset() {
	s.failures, s.last, s.next, s.minInterval = 0, time.Time{}, time.Time{}, 0
}

func orDefault(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}
