package tracker

import (
	"errors"
	"time"
)

// Rotation is a torrent's trackers as one announcer sees them: the BEP 12
// tiers and one Schedule per tracker, so each tracker's interval, back-off
// and "retry in" is kept apart. It answers which tracker to announce to next
// and when. Like Tiers and Schedule it does no I/O, takes the time as an
// argument and is owned by one goroutine.
type Rotation struct {
	tiers  *Tiers
	policy Policy
	sched  map[string]*Schedule
	never  map[string]bool // trackers that said "retry in: never"
}

// NewRotation starts a rotation over tiers with policy for every tracker.
func NewRotation(tiers *Tiers, policy Policy) *Rotation {
	return &Rotation{tiers: tiers, policy: policy, sched: make(map[string]*Schedule), never: make(map[string]bool)}
}

// SetPolicy changes the policy of every tracker (for settings changed while
// the torrent runs); it applies from each tracker's next reply on.
func (r *Rotation) SetPolicy(p Policy) {
	r.policy = p
	for _, s := range r.sched {
		s.Policy = p
	}
}

func (r *Rotation) schedule(url string) *Schedule {
	s, ok := r.sched[url]
	if !ok {
		s = &Schedule{Policy: r.policy}
		r.sched[url] = s
	}
	return s
}

// Next returns the tracker to announce to next and when (the zero time: at
// once). While the current tracker works it is the one, at its interval;
// once it fails, the next tracker in BEP 12 order that is due, or else the
// one due first. It returns "" when no tracker may be announced to (none, or
// all said "never").
func (r *Rotation) Next() (url string, at time.Time) {
	cur := r.tiers.Current()
	if cur == "" {
		return "", time.Time{}
	}
	if s := r.schedule(cur); !r.never[cur] && s.Failures() == 0 {
		return cur, s.Next()
	}
	for _, u := range r.tiers.fromCursor() {
		if r.never[u] {
			continue
		}
		next := r.schedule(u).Next()
		if url == "" || next.Before(at) {
			url, at = u, next
		}
	}
	return url, at
}

// Succeeded records url's reply at now and returns when it is due again.
func (r *Rotation) Succeeded(url string, now time.Time, resp *AnnounceResponse) time.Time {
	r.tiers.Succeeded(url)
	return r.schedule(url).Succeeded(now, resp)
}

// Failed records url's failure at now and returns when url may be tried
// again. A tracker that answered with a refusal (*FailureError) waits at
// least MinAnnounceInterval or the time it asked for, whichever is longer,
// as libtorrent does; any failure waits at least the back-off.
func (r *Rotation) Failed(url string, now time.Time, err error) time.Time {
	var retry time.Duration
	var fe *FailureError
	if errors.As(err, &fe) {
		retry = max(fe.RetryIn, r.policy.minAnnounceInterval())
		if fe.Never {
			r.never[url] = true
		}
	}
	r.tiers.Failed(url)
	return r.schedule(url).Failed(now, retry)
}
