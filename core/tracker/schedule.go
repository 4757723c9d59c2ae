package tracker

import "time"

// Defaults used when a Policy field is zero. The names and values follow
// libtorrent (settings_pack.cpp, announce_entry.cpp).
const (
	// DefaultInterval is used when a tracker gives no interval.
	DefaultInterval = 30 * time.Minute
	// DefaultMinInterval is the floor for manual re-announces when a
	// tracker gives no min interval.
	DefaultMinInterval = 1 * time.Minute
	// DefaultMinAnnounceInterval is libtorrent's min_announce_interval: no
	// regular announce to a tracker is sent sooner than this after the
	// last, whatever interval the tracker asks for, so a misconfigured or
	// hostile tracker cannot make us hammer it.
	DefaultMinAnnounceInterval = 5 * time.Minute
	// DefaultBackoffRatio is libtorrent's tracker_backoff (percent).
	DefaultBackoffRatio = 250
	// RetryDelayMin and RetryDelayMax are libtorrent's
	// tracker_retry_delay_min and tracker_retry_delay_max: the back-off
	// after n consecutive failures is
	// RetryDelayMin + RetryDelayMin*BackoffRatio/100*n², at most
	// RetryDelayMax (17 s, 55 s, 117 s, 205 s ... with the default ratio).
	RetryDelayMin = 5 * time.Second
	RetryDelayMax = 60 * time.Minute
	// MaxBackoffRatio bounds BackoffRatio so the back-off cannot overflow.
	MaxBackoffRatio = 100_000
	// maxFailures caps the failure count used in the back-off (libtorrent
	// keeps it in 7 bits).
	maxFailures = 127
)

// Policy is how a Schedule turns tracker replies and failures into times.
// Zero fields take the Default* values.
type Policy struct {
	// DefaultInterval is used when the tracker gives no interval.
	DefaultInterval time.Duration
	// MinInterval is the floor for manual re-announces when the tracker
	// gives no min interval.
	MinInterval time.Duration
	// MinAnnounceInterval (libtorrent's min_announce_interval) is the floor
	// applied to the interval and min interval a tracker sends, and to the
	// retry time after a tracker's failure reply.
	MinAnnounceInterval time.Duration
	// BackoffRatio (libtorrent's tracker_backoff, percent) sets how fast the
	// delay after consecutive failures grows; see RetryDelayMin.
	BackoffRatio int
}

func (p Policy) minAnnounceInterval() time.Duration {
	return orDefault(p.MinAnnounceInterval, DefaultMinAnnounceInterval)
}

// Schedule decides when to announce next to one tracker: the tracker's
// interval after a success (never sooner than MinAnnounceInterval),
// libtorrent's back-off after failures, and the min interval as a floor for
// manual re-announces. It does no I/O, takes the time as an argument and is
// owned by one goroutine. The zero value uses the Default* constants.
type Schedule struct {
	Policy

	failures    int
	last        time.Time     // time of the last announce attempt
	next        time.Time     // when the next regular announce is due
	minInterval time.Duration // tracker's min interval, or the floor
}

// Succeeded records a successful reply at now and returns when the next
// regular announce is due: now + the largest of the tracker's interval (or
// DefaultInterval), its min interval and MinAnnounceInterval.
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
	s.next = now.Add(max(interval, s.minInterval, s.minAnnounceInterval()))
	return s.next
}

// Failed records a failed announce at now and returns when to retry: after
// the back-off for the consecutive failures so far, or after retry if that
// is longer (the time a tracker's failure reply asked for).
func (s *Schedule) Failed(now time.Time, retry time.Duration) time.Time {
	s.failures = min(s.failures+1, maxFailures)
	s.last = now
	s.next = now.Add(max(retry, s.Backoff()))
	return s.next
}

// Backoff returns the current retry delay for the number of consecutive
// failures recorded (zero when the last announce succeeded):
// RetryDelayMin + RetryDelayMin*BackoffRatio/100*failures², at most
// RetryDelayMax.
func (s *Schedule) Backoff() time.Duration {
	if s.failures == 0 {
		return 0
	}
	ratio := s.BackoffRatio
	if ratio <= 0 {
		ratio = DefaultBackoffRatio
	}
	ratio = min(ratio, MaxBackoffRatio)
	n := time.Duration(s.failures)
	d := RetryDelayMin + RetryDelayMin*time.Duration(ratio)/100*n*n
	return min(d, RetryDelayMax)
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
