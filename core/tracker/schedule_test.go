package tracker_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/libbt/libbt/core/tracker"
)

func TestScheduleUsesTrackerIntervalAndMinInterval(t *testing.T) {
	now := time.Unix(1000, 0)
	var s tracker.Schedule
	require.True(t, s.Due(now), "never announced: due at once")
	next := s.Succeeded(now, &tracker.AnnounceResponse{Interval: 20 * time.Minute, MinInterval: 2 * time.Minute})
	require.Equal(t, now.Add(20*time.Minute), next)
	require.Equal(t, next, s.Next())
	require.False(t, s.Due(now.Add(19*time.Minute)))
	require.True(t, s.Due(now.Add(20*time.Minute)))
	require.Equal(t, now.Add(2*time.Minute), s.EarliestManual())

	// A min interval above the interval raises it.
	next = s.Succeeded(now, &tracker.AnnounceResponse{Interval: 6 * time.Minute, MinInterval: 7 * time.Minute})
	require.Equal(t, now.Add(7*time.Minute), next)
	// No interval at all: defaults.
	next = s.Succeeded(now, &tracker.AnnounceResponse{})
	require.Equal(t, now.Add(tracker.DefaultInterval), next)
	require.Equal(t, now.Add(tracker.DefaultMinInterval), s.EarliestManual())
	s2 := tracker.Schedule{Policy: tracker.Policy{DefaultInterval: 10 * time.Minute, MinInterval: 10 * time.Second}}
	require.Equal(t, now.Add(10*time.Minute), s2.Succeeded(now, nil))
}

// A tracker asking for interval=1 and min interval=1 (issue 9's announce storm) is announced
// to no sooner than min_announce_interval, libtorrent's 5 minutes by default.
func TestScheduleClampsTrackerIntervalsToMinAnnounceInterval(t *testing.T) {
	now := time.Unix(1000, 0)
	var s tracker.Schedule
	storm := &tracker.AnnounceResponse{Interval: time.Second, MinInterval: time.Second}
	require.Equal(t, now.Add(tracker.DefaultMinAnnounceInterval), s.Succeeded(now, storm))
	require.Equal(t, 5*time.Minute, tracker.DefaultMinAnnounceInterval)
	require.Equal(t, now.Add(tracker.DefaultMinAnnounceInterval), s.Succeeded(now, &tracker.AnnounceResponse{Interval: time.Second}))

	s2 := tracker.Schedule{Policy: tracker.Policy{MinAnnounceInterval: 42 * time.Second}}
	require.Equal(t, now.Add(42*time.Second), s2.Succeeded(now, storm))
	require.Equal(t, now.Add(time.Hour), s2.Succeeded(now, &tracker.AnnounceResponse{Interval: time.Hour}))
}

// libtorrent's back-off: 5 s + 5 s * tracker_backoff/100 * fails², at most an hour.
func TestScheduleBacksOffLikeLibtorrentAndResetsOnSuccess(t *testing.T) {
	now := time.Unix(1000, 0)
	var s tracker.Schedule
	var delays []time.Duration
	for range 6 {
		delays = append(delays, s.Failed(now, 0).Sub(now))
	}
	sec := time.Second
	require.Equal(t, []time.Duration{17500 * time.Millisecond, 55 * sec, 117500 * time.Millisecond, 205 * sec, 317500 * time.Millisecond, 455 * sec}, delays)
	require.Equal(t, 6, s.Failures())
	require.True(t, s.EarliestManual().IsZero(), "after a failure a manual announce may go at once")
	s.Succeeded(now, &tracker.AnnounceResponse{Interval: time.Hour})
	require.Equal(t, 0, s.Failures())
	require.Zero(t, s.Backoff())
	require.Equal(t, 17500*time.Millisecond, s.Failed(now, 0).Sub(now))
	// A longer retry asked for wins over the back-off; a shorter one does not.
	require.Equal(t, time.Hour, s.Failed(now, time.Hour).Sub(now))
	require.Equal(t, 117500*time.Millisecond, s.Failed(now, time.Second).Sub(now))

	slow := tracker.Schedule{Policy: tracker.Policy{BackoffRatio: 100}}
	require.Equal(t, 10*time.Second, slow.Failed(now, 0).Sub(now))
	require.Equal(t, 25*time.Second, slow.Failed(now, 0).Sub(now))

	d := tracker.Schedule{Policy: tracker.Policy{BackoffRatio: 1 << 40}}
	for range 1000 { // no overflow with many failures or a huge ratio
		d.Failed(now, 0)
	}
	require.Equal(t, tracker.RetryDelayMax, d.Backoff())
	d.Reset()
	require.True(t, d.Due(time.Time{}))
	require.Zero(t, d.Failures())
}

func oneURLPerTier(urls ...string) *tracker.Tiers {
	var list [][]string
	for _, u := range urls {
		list = append(list, []string{u})
	}
	return tracker.NewTiers(list, nil)
}

func TestRotationStaysWithAWorkingTrackerAtItsClampedInterval(t *testing.T) {
	now := time.Unix(1000, 0)
	r := tracker.NewRotation(oneURLPerTier("a", "b"), tracker.Policy{})
	url, at := r.Next()
	require.Equal(t, "a", url)
	require.True(t, at.IsZero(), "first announce at once")
	r.Succeeded("a", now, &tracker.AnnounceResponse{Interval: time.Second, MinInterval: time.Second})
	url, at = r.Next()
	require.Equal(t, "a", url)
	require.Equal(t, now.Add(5*time.Minute), at)
}

func TestRotationTriesTheNextTrackerAtOnceThenBacksOffEach(t *testing.T) {
	now := time.Unix(1000, 0)
	r := tracker.NewRotation(oneURLPerTier("a", "b"), tracker.Policy{})
	refused := &tracker.Error{URL: "a", Err: &tracker.FailureError{Reason: "go away"}}
	require.Equal(t, now.Add(5*time.Minute), r.Failed("a", now, refused), "a refusal waits min_announce_interval")
	url, at := r.Next()
	require.Equal(t, "b", url)
	require.True(t, at.IsZero(), "the next tracker at once")
	require.Equal(t, now.Add(17500*time.Millisecond), r.Failed("b", now, errors.New("connection refused")))
	url, at = r.Next()
	require.Equal(t, "b", url, "every tracker failed: the one due first")
	require.Equal(t, now.Add(17500*time.Millisecond), at)
	require.Equal(t, now.Add(55*time.Second), r.Failed("b", now, errors.New("connection refused")))
	url, at = r.Next()
	require.Equal(t, "b", url)
	require.Equal(t, now.Add(55*time.Second), at)

	r.Succeeded("b", now, &tracker.AnnounceResponse{Interval: time.Hour})
	url, at = r.Next()
	require.Equal(t, "b", url)
	require.Equal(t, now.Add(time.Hour), at)
}

func TestRotationHonoursRetryInAndNever(t *testing.T) {
	now := time.Unix(1000, 0)
	r := tracker.NewRotation(oneURLPerTier("a", "b"), tracker.Policy{MinAnnounceInterval: time.Minute})
	require.Equal(t, now.Add(2*time.Hour), r.Failed("a", now, &tracker.FailureError{RetryIn: 2 * time.Hour}))
	r.Failed("b", now, &tracker.FailureError{Never: true})
	url, at := r.Next()
	require.Equal(t, "a", url, "b said never")
	require.Equal(t, now.Add(2*time.Hour), at)
	r.Failed("a", now, &tracker.FailureError{Never: true})
	url, _ = r.Next()
	require.Empty(t, url, "every tracker said never")

	empty := tracker.NewRotation(tracker.NewTiers(nil, nil), tracker.Policy{})
	url, _ = empty.Next()
	require.Empty(t, url)
}

func TestParseHTTPFailureReadsRetryIn(t *testing.T) {
	for _, tc := range []struct {
		body  string
		retry time.Duration
		never bool
	}{
		{"d14:failure reason4:nopee", 0, false},
		{"d14:failure reason4:nope8:retry ini30ee", 30 * time.Minute, false},
		{"d14:failure reason4:nope8:retry in5:nevere", 0, true},
		{"d14:failure reason4:nope8:intervali600e12:min intervali900ee", 15 * time.Minute, false},
		{"d14:failure reason4:nope8:intervali60e8:retry ini-3ee", time.Minute, false},
		{"d14:failure reason4:nope8:interval1:x8:retry inlee", 0, false},
	} {
		_, err := tracker.ParseHTTPResponse([]byte(tc.body))
		var fe *tracker.FailureError
		require.ErrorAs(t, err, &fe, tc.body)
		require.Equal(t, "nope", fe.Reason)
		require.Equal(t, tc.retry, fe.RetryIn, tc.body)
		require.Equal(t, tc.never, fe.Never, tc.body)
	}
}
