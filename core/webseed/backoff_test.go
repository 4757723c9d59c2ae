package webseed

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBackoffDoublesFromThirtySecondsUpToTheCap(t *testing.T) {
	var b Backoff
	var got []time.Duration
	for range 9 {
		got = append(got, b.Fail(0))
	}
	require.Equal(t, []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute,
		16 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute}, got)
	require.Equal(t, 9, b.Failures())
	b.Success()
	require.Zero(t, b.Failures())
	require.Equal(t, 30*time.Second, b.Fail(0))
}

func TestBackoffHonoursTheServersLongerHint(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: time.Minute}
	require.Equal(t, time.Second, b.Fail(0))
	require.Equal(t, 10*time.Second, b.Fail(10*time.Second))
	require.Equal(t, time.Minute, b.Fail(time.Hour), "the hint is capped too")
	require.Equal(t, 8*time.Second, b.Fail(time.Millisecond))
}
